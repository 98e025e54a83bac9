-- The steps of the work queue (docs/metrics.md, "Work queue"), shared by work_queue.sql (its rows)
-- and work_queue_bands.sql (its counts): the open cases under the filters with their age
-- ($as_of − reference date), SLA band and the days left before the next band.
filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
open_cases as (
    select *, date_diff('day', reference_date, $as_of::date) as age_days
    from filtered
    where not is_closed
),
banded as (
    select
        *,
        case
            when age_days is null then null
            when age_days <= 30 then 1
            when age_days <= 60 then 2
            when age_days <= 90 then 3
            else 4
        end as band_order
    from open_cases
),
next_band as (
    select
        *,
        case band_order when 1 then 31 when 2 then 61 when 3 then 91 end - greatest(age_days, 0) as days_to_next_band
    from banded
)
