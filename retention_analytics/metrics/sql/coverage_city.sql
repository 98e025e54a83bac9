-- Network coverage per city (metrics.md, "Network coverage"). A city is its IBGE municipality
-- when the name matched one, else (uf, city_key): city_id = 'UF|ibge_code' or 'UF|city_key', the
-- value Filters.cities holds.
-- Lives and listed CROs describe the network now: each is taken from the city's most recent case
-- that states it (latest reference date, ties: latest ingested = higher case_id), over all cases
-- of the city under the active filters except the period ({where_all_periods}). CROs lost and
-- terminations count terminated cases in the selected period ({where}). A gap is a city whose
-- CROs lost in the period (at least one) are >= its listed CROs.
with scope as (
    select *
    from case_facts c
    where {where_all_periods}
),
in_period as (
    select *
    from case_facts c
    where {where}
),
located as (
    select
        case_id,
        uf,
        uf || '|' || coalesce(cast(ibge_code as varchar), city_key) as city_id,
        city,
        city_official,
        ibge_code,
        reference_date,
        lives,
        unique_cros_listed
    from scope
    where uf is not null and city_key is not null
),
cities as (
    select
        uf,
        city_id,
        coalesce(max(city_official), mode(city)) as city,
        max(ibge_code) as ibge_code
    from located
    group by uf, city_id
),
latest_lives as (
    select
        city_id,
        arg_max(lives, {'day': coalesce(reference_date, date '0001-01-01'), 'case_id': case_id}) as lives
    from located
    where lives is not null
    group by city_id
),
latest_listed as (
    select
        city_id,
        arg_max(
            unique_cros_listed,
            {'day': coalesce(reference_date, date '0001-01-01'), 'case_id': case_id}
        ) as unique_cros_listed
    from located
    where unique_cros_listed is not null
    group by city_id
),
period_counts as (
    select
        uf || '|' || coalesce(cast(ibge_code as varchar), city_key) as city_id,
        count(*) as cases,
        count(*) filter (where is_terminated) as terminations,
        coalesce(sum(cros_at_stake) filter (where is_terminated), 0)::bigint as cros_lost
    from in_period
    where uf is not null and city_key is not null
    group by 1
),
joined as (
    select
        ci.uf,
        ci.city,
        ci.city_id,
        ci.ibge_code,
        lv.lives,
        ls.unique_cros_listed as listed_cros,
        coalesce(pc.cases, 0) as cases,
        coalesce(pc.terminations, 0) as terminations,
        coalesce(pc.cros_lost, 0) as cros_lost
    from cities ci
    left join latest_lives lv on lv.city_id = ci.city_id
    left join latest_listed ls on ls.city_id = ci.city_id
    left join period_counts pc on pc.city_id = ci.city_id
)
select
    uf,
    city,
    city_id,
    ibge_code,
    lives,
    listed_cros,
    cases,
    terminations,
    cros_lost,
    coalesce(cros_lost > 0 and cros_lost >= listed_cros, false) as gap
from joined
order by gap desc, lives desc nulls last, uf, city
