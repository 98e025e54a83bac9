-- Sidebar choices among the cases this user may see ({where}: the access restriction only):
-- one row per (kind, value) with its label and number of cases.
with visible as (
    select *
    from case_facts c
    where {where}
),
operators as (
    select 'operators' as kind, v.operator_key as value,
        coalesce(n.operator_name, v.operator_key) as label, null as uf, count(*) as cases
    from visible v
    left join operator_names n on n.operator_key = v.operator_key
    where v.operator_key is not null
    group by v.operator_key, n.operator_name
),
analysts as (
    select 'analysts' as kind, v.analyst_key as value,
        coalesce(n.analyst_name, v.analyst_key) as label, null as uf, count(*) as cases
    from visible v
    left join analyst_names n on n.analyst_key = v.analyst_key
    where v.analyst_key is not null
    group by v.analyst_key, n.analyst_name
),
ufs as (
    select 'ufs' as kind, uf as value, uf as label, uf, count(*) as cases
    from visible
    where uf is not null
    group by uf
),
cities as (
    select 'cities' as kind, uf || '|' || coalesce(cast(ibge_code as varchar), city_key) as value,
        coalesce(max(city_official), mode(city)) || ' (' || uf || ')' as label, uf, count(*) as cases
    from visible
    where uf is not null and city_key is not null
    group by uf, 2
),
requesters as (
    select 'requested_by' as kind, requested_by as value, requested_by as label, null as uf,
        count(*) as cases
    from visible
    where requested_by is not null
    group by requested_by
),
statuses as (
    select 'outcomes' as kind, case when is_closed then outcome else 'aberto' end as value,
        null as label, null as uf, count(*) as cases
    from visible
    group by 2
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
