-- The $limit open cases open the longest (age = $as_of − reference date), with their last contact.
-- Personal data is masked by the caller (privacy.py).
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
open_cases as (
    select *, date_diff('day', reference_date, $as_of::date) as age_days
    from filtered
    where not is_closed and reference_date is not null
),
oldest as (
    select *
    from open_cases
    order by age_days desc, case_id
    limit $limit
),
last_contacts as (
    select k.case_id, max(k.contact_date) as last_contact_on, count(*) as contacts
    from case_contacts k
    join oldest o on o.case_id = k.case_id
    group by k.case_id
)
select
    o.case_id,
    o.protocol_number,
    o.operator_key,
    o.operator,
    o.analyst_key,
    o.analyst,
    o.uf,
    o.city_name as city,
    o.dentist_name,
    o.cpf,
    o.cnpj,
    o.reference_date,
    o.age_days,
    o.outcome,
    l.last_contact_on,
    coalesce(l.contacts, 0) as contacts
from oldest o
left join last_contacts l on l.case_id = o.case_id
order by o.age_days desc, o.case_id
