-- How many (current) cases the filters, $search and $reason select: the size of the list cases.sql
-- pages.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
searched as (
    select case_id, is_terminated
    from filtered
    where $search::varchar is null
        or contains(
            lower(strip_accents(concat_ws(' ', protocol_number, dentist_name, cro, city_name, city,
                operator, analyst, source))),
            $search::varchar
        )
        or ($search_digits::varchar is not null
            and (contains(cpf, $search_digits::varchar)
                or contains(upper(cnpj), $search_digits::varchar)))
)
select count(*) as cases
from searched s
where $reason::varchar is null
    or (s.is_terminated
        and exists (
            select 1 from case_reasons r where r.case_id = s.case_id and r.reason_code = $reason::varchar
        ))
