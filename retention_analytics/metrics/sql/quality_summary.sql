-- Data-quality counts over the filtered current cases: forms with warnings, unmatched cities,
-- cases with earlier versions, and (only for users who see every operator) rejected documents.
with filtered as (
    select *
    from case_facts c
    where {where}
),
case_counts as (
    select
        count(*) as cases,
        count(*) filter (where warning_count > 0) as forms_with_warnings,
        count(*) filter (where city is not null and ibge_code is null) as unmatched_city_cases,
        count(distinct case when city is not null and ibge_code is null then uf || '|' || city_key end)
            as unmatched_cities
    from filtered
),
superseded as (
    select count(*) as superseded_versions, count(distinct h.case_key) as cases_with_versions
    from cases h
    join filtered f on f.case_key = h.case_key
    where not h.is_current
),
rejected as (
    select count(*) as rejected_documents
    from documents
    where status = 'rejected' and $all_operators
)
select *
from case_counts
cross join superseded
cross join rejected
