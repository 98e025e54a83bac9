-- Network coverage per city (metrics.md, "Network coverage"). A city is its IBGE municipality
-- when the name matched one, else (uf, city_key): city_id = 'UF|ibge_code' or 'UF|city_key', the
-- value Filters.cities holds.
-- Lives and listed CROs describe the network now: each is taken from the city's most recent case
-- that states it (latest reference date, ties: latest ingested = higher case_id), over all cases
-- of the city under the active filters except the period ({where_all_periods}). CROs lost and
-- terminations count terminated cases in the selected period ({where}). A gap is a city whose
-- CROs lost in the period (at least one) are >= its listed CROs.
with scope as not materialized (
    select *
    from case_facts c
    where {where_all_periods}
),
in_period as not materialized (
    select *
    from case_facts c
    where {where}
),
located as (
    select
        case_id,
        uf,
        city_id,  -- 'UF|ibge_code' or 'UF|city_key' (views.sql)
        city,
        city_official,
        ibge_code,
        -- latest reference date, ties: latest ingested (higher case_id), as one number: days since
        -- 0001-01-01 above the case id (a hugeint holds any bigint id below)
        date_diff('day', date '0001-01-01', coalesce(reference_date, date '0001-01-01'))::hugeint
            * 18446744073709551616 + case_id as recency,
        lives,
        unique_cros_listed
    from scope
    where uf is not null and city_key is not null
),
-- One pass over the located cases: the name, and the lives and listed CROs of the most recent
-- case stating each.
city_rows as (
    select
        uf,
        city_id,
        max(city_official) as city_official,
        max(ibge_code) as ibge_code,
        arg_max(lives, recency) filter (where lives is not null) as lives,
        arg_max(unique_cros_listed, recency) filter (where unique_cros_listed is not null) as unique_cros_listed
    from located
    group by uf, city_id
),
-- A city matched IBGE on every case (all have city_official) or on none: the spelling written
-- most often is only needed for the latter, a few rows.
written_names as (
    select uf, city_id, mode(city) as city
    from located
    where city_official is null
    group by uf, city_id
),
cities as (
    select r.uf, r.city_id, coalesce(r.city_official, w.city) as city, r.ibge_code
    from city_rows r
    left join written_names w on w.uf = r.uf and w.city_id = r.city_id
),
latest_lives as (
    select city_id, lives
    from city_rows
    where lives is not null
),
latest_listed as (
    select city_id, unique_cros_listed
    from city_rows
    where unique_cros_listed is not null
),
period_counts as (
    select
        city_id,
        count(*) as cases,
        count(*) filter (where is_terminated) as terminations,
        coalesce(sum(cros_at_stake) filter (where is_terminated), 0)::bigint as cros_lost
    from in_period
    where uf is not null and city_key is not null
    group by city_id
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
