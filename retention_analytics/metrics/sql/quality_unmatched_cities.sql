-- City names of filtered current cases that matched no IBGE municipality of their UF.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
unmatched as (
    select uf, city, city_key
    from filtered
    where city is not null and ibge_code is null
)
select uf, mode(city) as city, city_key, count(*) as cases
from unmatched
group by uf, city_key
order by cases desc, uf, city
