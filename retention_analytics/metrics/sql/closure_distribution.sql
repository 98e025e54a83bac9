-- Histogram of days to close of closed cases, in bins of $bin_days days.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
closed as (
    select closure_days
    from filtered
    where closure_days is not null
),
binned as (
    select (floor(closure_days / $bin_days) * $bin_days)::integer as bin_start, count(*) as cases
    from closed
    group by 1
)
select
    bin_start,
    bin_start + $bin_days - 1 as bin_end,
    cases,
    cases / sum(cases) over () as share
from binned
order by bin_start
