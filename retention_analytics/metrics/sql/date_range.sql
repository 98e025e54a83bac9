-- The first and last reference and closing dates among the cases this user may see.
with visible as (
    select *
    from case_facts c
    where {where}
)
select
    min(reference_date) as min_reference_date,
    max(reference_date) as max_reference_date,
    min(finished_on) as min_finished_on,
    max(finished_on) as max_finished_on
from visible
