-- Data-quality counts over the filtered current cases: forms with warnings, unmatched cities,
-- cases with earlier versions, and (only for users who see every operator) rejected documents.
with filtered as not materialized (
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
    -- version_count: the stored forms of the case's protocol, the current one included (views.sql)
    select
        coalesce(sum(version_count - 1), 0)::bigint as superseded_versions,
        count(*) filter (where version_count > 1) as cases_with_versions
    from filtered
    where version_count > 1
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
