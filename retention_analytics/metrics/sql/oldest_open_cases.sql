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
    o.last_contact_on,  -- case_facts (views.sql): the form's last contact and how many it lists
    o.contact_count as contacts
from oldest o
order by o.age_days desc, o.case_id
