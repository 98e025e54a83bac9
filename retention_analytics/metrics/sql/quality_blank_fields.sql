-- How many filtered current cases leave each header field of the form blank (one wide row; the
-- caller turns it into one row per field).
with filtered as (
    select *
    from case_facts c
    where {where}
)
select
    count(*) as cases,
    count(*) - count(analyst) as analyst,
    count(*) - count(cro_count) as cro_count,
    count(*) - count(form_date) as form_date,
    count(*) - count(operator) as operator,
    count(*) - count(cro) as cro,
    count(*) - count(cro_uf) as cro_uf,
    count(*) - count(dentist_name) as dentist_name,
    count(*) - count(cnpj) as cnpj,
    count(*) - count(cpf) as cpf,
    count(*) - count(inclusion_date) as inclusion_date,
    count(*) - count(person_type) as person_type,
    count(*) - count(requested_by) as requested_by,
    count(*) - count(protocol_number) as protocol_number,
    count(*) - count(protocol_opened_on) as protocol_opened_on,
    count(*) - count(uf) as uf,
    count(*) - count(city) as city,
    count(*) - count(lives) as lives,
    count(*) - count(unique_cros_listed) as unique_cros_listed,
    count(*) - count(accepts_other_plans) as accepts_other_plans,
    count(*) - count(other_plans) as other_plans,
    count(*) - count(coin_value) as coin_value,
    count(*) - count(last_production) as last_production,
    count(*) - count(last_production_value) as last_production_value,
    count(*) - count(started_on) as started_on,
    count(*) - count(finished_on) as finished_on,
    count(*) - count(days_to_close) as days_to_close,
    count(*) - count(outcome) as outcome
from filtered
