-- Share of closed cases (with known days to close) closed within 30, 60 and 90 days.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
closed as (
    select closure_days
    from filtered
    where closure_days is not null
)
select
    count(*) as n,
    avg(case when closure_days <= 30 then 1 else 0 end) as within_30,
    avg(case when closure_days <= 60 then 1 else 0 end) as within_60,
    avg(case when closure_days <= 90 then 1 else 0 end) as within_90
from closed
