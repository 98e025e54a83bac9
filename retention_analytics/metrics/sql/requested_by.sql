-- Cases, attempts and retained per "Demandado por?" value (null = not stated).
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
)
select
    requested_by,
    count(*) as cases,
    count(*) filter (where is_attempt) as attempts,
    count(*) filter (where is_retained) as retained
from filtered
group by requested_by
order by cases desc, requested_by
