-- Fila de trabalho (docs/metrics.md, "Work queue"): the open cases under the filters with their
-- age ($as_of − reference date) in the SLA bands 0–30, 31–60, 61–90, > 90 days, the days left
-- before the next band and whether that is within $soon days ("about to cross"). Open cases
-- without any date have no age and come last. Personal data is masked by the caller.
with filtered as not materialized (
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
),
last_contacts as (
    select k.case_id, max(k.contact_date) as last_contact_on
    from case_contacts k
    where k.case_id in (select case_id from next_band)
    group by k.case_id
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
    l.last_contact_on
from next_band q
left join last_contacts l on l.case_id = q.case_id
left join operator_names n on n.operator_key = q.operator_key
left join analyst_names a on a.analyst_key = q.analyst_key
order by q.age_days desc nulls last, q.case_id
