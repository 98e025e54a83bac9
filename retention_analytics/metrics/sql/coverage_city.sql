-- Network coverage per city (metrics.md, "Network coverage"). A city is its IBGE municipality
-- when the name matched one, else (uf, city_key): city_id = 'UF|ibge_code' or 'UF|city_key', the
-- value Filters.cities holds.
-- Lives and listed CROs describe the network now: each is taken from the city's most recent case
-- that states it (views.sql, case_recency), over all cases of the city under the active filters
-- except the period ({where_all_periods}). CROs lost and terminations count terminated cases in
-- the selected period ({where}, true of a case of that scope exactly when it is in the period). A
-- gap is a city whose CROs lost in the period (at least one) are >= its listed CROs.
-- Two ways to the same rows: $network_kept (the filters name only operators, UFs and cities, and
-- no period: summaries._network_kept) reads the network the store keeps per operator, UF and city
-- (views.sql, city_network); otherwise every case of the scope is grouped. The way not taken is
-- folded away by DuckDB (a false bound parameter), not run.
with scope as not materialized (
    select *
    from case_facts c
    where not $network_kept and {where_all_periods}
),
located as (
    select
        uf,
        city_id,  -- 'UF|ibge_code' or 'UF|city_key' (views.sql)
        city_official,
        ibge_code,
        case_recency(reference_date, case_id) as recency,
        lives,
        unique_cros_listed,
        ({where}) as in_period,
        is_terminated,
        cros_at_stake
    from scope c
    where uf is not null and city_key is not null
),
{steps:city_network_kept},
-- One row per city: its name, the lives and listed CROs of its most recent case stating each, and
-- the period's counts.
city_rows as (
    select
        uf,
        city_id,
        max(city_official) as city_official,
        max(ibge_code) as ibge_code,
        arg_max(lives, recency) filter (where lives is not null) as lives,
        arg_max(unique_cros_listed, recency) filter (where unique_cros_listed is not null) as listed_cros,
        count(*) filter (where in_period) as cases,
        count(*) filter (where in_period and is_terminated) as terminations,
        coalesce(sum(cros_at_stake) filter (where in_period and is_terminated), 0)::bigint as cros_lost
    from located
    group by uf, city_id
    union all
    select
        uf,
        city_id,
        max(city_official),
        max(ibge_code),
        arg_max(lives, lives_recency) filter (where lives_recency is not null),
        arg_max(listed_cros, listed_recency) filter (where listed_recency is not null),
        sum(cases)::bigint,
        sum(terminations)::bigint,
        sum(cros_lost)::bigint
    from kept
    group by uf, city_id
),
-- A city matched IBGE on every case (all have city_official) or on none: the spelling written
-- most often is only needed for the latter, a few rows. Ties: the first in alphabetical order, as
-- the sidebar names it (views.sql, sidebar_choices_of).
spellings as (
    select uf, city_id, city, count(*) as written
    from scope
    where city_official is null and uf is not null and city_key is not null
    group by uf, city_id, city
    union all
    select uf, city_id, spelling.key, sum(spelling.value)::bigint
    from (select uf, city_id, unnest(map_entries(spellings)) as spelling from kept where spellings is not null)
    group by uf, city_id, spelling.key
),
written_names as (
    select uf, city_id, city
    from spellings
    qualify row_number() over (partition by uf, city_id order by written desc, city) = 1
),
joined as (
    select
        r.uf,
        coalesce(r.city_official, w.city) as city,
        r.city_id,
        r.ibge_code,
        r.lives,
        r.listed_cros,
        r.cases,
        r.terminations,
        r.cros_lost
    from city_rows r
    left join written_names w on w.uf = r.uf and w.city_id = r.city_id
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
