-- Days to close per operator and overall (the row with is_total): median, p75, p90 and n.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
closed as (
    select operator_key, closure_days
    from filtered
    where closure_days is not null
),
grouped as (
    select
        grouping(operator_key) = 1 as is_total,
        operator_key,
        count(*) as closed,
        -- the three in one aggregate: one sort of each group's days instead of three
        quantile_cont(closure_days, [0.5, 0.75, 0.9]) as quantiles
    from closed
    group by grouping sets ((operator_key), ())
),
named as (
    select
        g.is_total,
        g.operator_key,
        g.closed,
        g.quantiles[1] as median_days,
        g.quantiles[2] as p75_days,
        g.quantiles[3] as p90_days,
        case
            when g.is_total then 'Total'
            else coalesce(n.operator_name, $no_operator)
        end as operator
    from grouped g
    left join operator_names n on not g.is_total and n.operator_key = g.operator_key
)
select operator_key, operator, closed, median_days, p75_days, p90_days, is_total
from named
order by is_total, median_days desc nulls last, operator
