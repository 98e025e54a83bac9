-- Each operator's results under the filters next to its targets (docs/metrics.md, "Metas e
-- alertas"): only operators that have a target. `closed` counts the closed cases with a known
-- closing time (the denominator of the share closed within 60 days, as in sla.sql).
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
per_operator as (
    select
        operator_key,
        count(*) filter (where is_attempt) as attempts,
        count(*) filter (where is_retained) as retained,
        count(closure_days) as closed,
        count(*) filter (where closure_days <= 60) as within_60
    from filtered
    where operator_key is not null
    group by operator_key
)
select
    t.operator_key,
    coalesce(n.operator_name, t.operator) as operator,
    p.attempts,
    p.retained,
    t.retention_rate as target_retention_rate,
    p.closed,
    p.within_60,
    t.closed_within_60 as target_closed_within_60
from operator_targets t
join per_operator p on p.operator_key = t.operator_key
left join operator_names n on n.operator_key = t.operator_key
order by operator, t.operator_key
