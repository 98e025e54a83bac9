-- Cases per month and status ('aberto' for a case that is not closed), by the period's date.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
dated as (
    select
        date_trunc('month', case when $basis = 'finished' then finished_on else reference_date end)::date
            as month,
        status as outcome
    from filtered
),
counted as (
    select month, outcome, count(*) as cases
    from dated
    where month is not null
    group by month, outcome
)
select month, outcome, cases
from counted
order by month, outcome
