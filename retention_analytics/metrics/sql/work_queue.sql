-- Fila de trabalho (docs/metrics.md, "Work queue"): the open cases under the filters with their
-- age ($as_of − reference date) in the SLA bands 0–30, 31–60, 61–90, > 90 days, the days left
-- before the next band and whether that is within $soon days ("about to cross"). Open cases
-- without any date have no age and come last. Personal data is masked by the caller.
-- $limit: the first rows only (null: all), from row $offset on (0: the first; a page of the list);
-- $soon_only: only those about to cross.
with {steps:work_queue_steps},
shown as (
    select *
    from next_band
    where not $soon_only or coalesce(days_to_next_band <= $soon, false)
    order by age_days desc nulls last, case_id
    limit $limit
    offset $offset
)
select
    q.case_id,
    q.protocol_number,
    q.operator_key,
    coalesce(n.operator_name, q.operator) as operator,
    q.analyst_key,
    coalesce(a.analyst_name, q.analyst) as analyst,
    q.uf,
    q.city_name as city,
    q.dentist_name,
    q.reference_date,
    q.age_days,
    q.band_order,
    case q.band_order when 1 then '0–30' when 2 then '31–60' when 3 then '61–90' when 4 then '> 90' else 'sem data' end
        as band,
    q.days_to_next_band,
    coalesce(q.days_to_next_band <= $soon, false) as about_to_cross,
    q.last_contact_on  -- case_facts (views.sql): the last contact of the form
from shown q
left join operator_names n on n.operator_key = q.operator_key
left join analyst_names a on a.analyst_key = q.analyst_key
order by q.age_days desc nulls last, q.case_id
