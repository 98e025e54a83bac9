-- Sidebar choices among the cases this user may see ({where}: the access restriction only, which
-- names operators): one row per (kind, value) with its label and number of cases. Summed from
-- filter_choices (views.sql: the same counts per operator, kept by the store) instead of grouping
-- every case on every page.
with visible as not materialized (
    select *
    from filter_choices c
    where {where}
),
counted as (
    select kind, value, any_value(uf) as uf, sum(cases)::bigint as cases
    from visible
    where kind in ('operators', 'analysts', 'ufs', 'requested_by', 'outcomes')
    group by kind, value
),
operators as (
    select 'operators' as kind, v.value, coalesce(n.operator_name, v.value) as label, null as uf, v.cases
    from counted v
    left join operator_names n on n.operator_key = v.value
    where v.kind = 'operators'
),
analysts as (
    select 'analysts' as kind, v.value, coalesce(n.analyst_name, v.value) as label, null as uf, v.cases
    from counted v
    left join analyst_names n on n.analyst_key = v.value
    where v.kind = 'analysts'
),
ufs as (
    select 'ufs' as kind, value, value as label, uf, cases
    from counted
    where kind = 'ufs'
),
-- A city matched IBGE on every case (its IBGE name) or on none (the spelling written most often;
-- ties: the first in alphabetical order, as coverage_city.sql names it).
city_counts as (
    select uf, value as city_id, max(name) as city_official, sum(cases)::bigint as cases
    from visible
    where kind = 'cities'
    group by uf, value
),
written_names as (
    select uf, city_id, city
    from (
        select uf, value as city_id, name as city, sum(cases) as written
        from visible
        where kind = 'city_names'
        group by uf, value, name
    )
    qualify row_number() over (partition by uf, city_id order by written desc, city) = 1
),
cities as (
    select 'cities' as kind, c.city_id as value, coalesce(c.city_official, w.city) || ' (' || c.uf || ')' as label,
        c.uf, c.cases
    from city_counts c
    left join written_names w on w.uf = c.uf and w.city_id = c.city_id
),
requesters as (
    select 'requested_by' as kind, value, value as label, null as uf, cases
    from counted
    where kind = 'requested_by'
),
statuses as (
    select 'outcomes' as kind, value, null as label, null as uf, cases
    from counted
    where kind = 'outcomes'
)
select kind, value, label, uf, cases from operators
union all
select kind, value, label, uf, cases from analysts
union all
select kind, value, label, uf, cases from ufs
union all
select kind, value, label, uf, cases from cities
union all
select kind, value, label, uf, cases from requesters
union all
select kind, value, label, uf, cases from statuses
order by kind, label
