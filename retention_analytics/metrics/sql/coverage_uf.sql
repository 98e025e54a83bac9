-- Cases, retention and CROs lost per UF, one row for each of the 27 UFs (zeros included).
-- Lives at risk per UF is added from coverage_city.sql (its one definition), the retention rate by
-- metrics/stats.add_rate (its one definition, with the interval and the small-sample rule).
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
by_uf as (
    select
        uf,
        count(*) as cases,
        count(*) filter (where is_attempt) as attempts,
        count(*) filter (where is_retained) as retained,
        count(*) filter (where is_terminated) as terminations,
        coalesce(sum(cros_at_stake) filter (where is_terminated), 0)::bigint as cros_lost
    from filtered
    group by uf
)
select
    u.uf,
    u.name as uf_name,
    coalesce(b.cases, 0) as cases,
    coalesce(b.attempts, 0) as attempts,
    coalesce(b.retained, 0) as retained,
    coalesce(b.terminations, 0) as terminations,
    coalesce(b.cros_lost, 0) as cros_lost,
    u.population,
    u.tile_row,
    u.tile_col
from ufs u
left join by_uf b on b.uf = u.uf
order by u.uf
