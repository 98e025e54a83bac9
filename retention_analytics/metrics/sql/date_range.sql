-- The first and last reference and closing dates among the cases this user may see ({where}: the
-- access restriction only), from filter_choices (views.sql: the dates per operator).
with visible as not materialized (
    select *
    from filter_choices c
    where {where}
)
select
    min(first_day) as min_reference_date,
    max(last_day) as max_reference_date,
    min(first_finished) as min_finished_on,
    max(last_finished) as max_finished_on
from visible
where kind = 'dates'
