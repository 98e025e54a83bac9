-- Box-plot statistics of days to close per operator or analyst ($by): quartiles and Tukey
-- whiskers (the most extreme values within 1.5 IQR of the box).
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
closed as (
    select
        case when $by = 'analyst' then analyst_key else operator_key end as group_key,
        closure_days
    from filtered
    where closure_days is not null
),
quartile_rows as (
    select
        group_key,
        count(*) as n,
        min(closure_days) as min_days,
        -- the three in one aggregate: one sort of each group's days instead of three
        quantile_cont(closure_days, [0.25, 0.5, 0.75]) as quartiles,
        max(closure_days) as max_days
    from closed
    group by group_key
),
stats as (
    select group_key, n, min_days, quartiles[1] as q1, quartiles[2] as median, quartiles[3] as q3, max_days
    from quartile_rows
),
fences as (
    select group_key, q1 - 1.5 * (q3 - q1) as low_fence, q3 + 1.5 * (q3 - q1) as high_fence
    from stats
),
whiskers as (
    select
        c.group_key,
        min(c.closure_days) filter (where c.closure_days >= f.low_fence) as whisker_low,
        max(c.closure_days) filter (where c.closure_days <= f.high_fence) as whisker_high,
        count(*) filter (where c.closure_days < f.low_fence or c.closure_days > f.high_fence) as outliers
    from closed c
    join fences f on f.group_key is not distinct from c.group_key
    group by c.group_key
),
named as (
    select
        s.*,
        w.whisker_low,
        w.whisker_high,
        w.outliers,
        coalesce(
            case when $by = 'analyst' then a.analyst_name else o.operator_name end,
            case when $by = 'analyst' then $no_analyst else $no_operator end
        ) as name
    from stats s
    join whiskers w on w.group_key is not distinct from s.group_key
    left join operator_names o on o.operator_key = s.group_key
    left join analyst_names a on a.analyst_key = s.group_key
)
select group_key, name, n, min_days, whisker_low, q1, median, q3, whisker_high, max_days, outliers
from named
order by median desc, name
