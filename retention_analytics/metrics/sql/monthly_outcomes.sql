-- Cases per month and status ('aberto' for a case that is not closed), by the period's date.
with filtered as (
    select *
    from case_facts c
    where {where}
),
dated as (
    select
        date_trunc('month', case when $basis = 'finished' then finished_on else reference_date end)::date
            as month,
        case when is_closed then outcome else 'aberto' end as outcome
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
