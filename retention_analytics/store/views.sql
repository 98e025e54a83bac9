-- Derived values of metrics.md, defined once. Recreated on every open (views hold no data).

-- One row per case: the current (newest ingested) form of each case_key, with the derived columns
-- every metric uses.
create or replace view case_facts as
select
    c.*,
    coalesce(c.started_on, c.protocol_opened_on, c.form_date) as reference_date,
    (c.outcome is not null and c.finished_on is not null) as is_closed,
    (c.outcome is not null and c.finished_on is not null
        and c.outcome in ('retencao_efetiva', 'desligamento')) as is_attempt,
    (c.outcome is not null and c.finished_on is not null
        and c.outcome = 'retencao_efetiva') as is_retained,
    (c.outcome = 'desligamento') as is_terminated,
    case
        when c.outcome is null or c.finished_on is null then null
        when c.started_on is not null then date_diff('day', c.started_on, c.finished_on)
        else c.days_to_close
    end as closure_days,
    -- metrics.md: when both the dates and the form's "Tempo finalização" exist and disagree, the
    -- dates win and the case carries a data-quality warning.
    (c.started_on is not null and c.finished_on is not null and c.days_to_close is not null
        and date_diff('day', c.started_on, c.finished_on) <> c.days_to_close) as closure_days_conflict,
    coalesce(c.cro_count, 1) as cros_at_stake,
    coalesce(c.city_official, c.city) as city_name
from cases c
where c.is_current;

-- The name shown for each grouping key: the spelling used most often ("ODONTOLIFE" over "OdontoLife").
create or replace view operator_names as
select operator_key, mode(operator) as operator_name, count(*) as cases
from cases
where is_current and operator_key is not null
group by operator_key;

create or replace view analyst_names as
select analyst_key, mode(analyst) as analyst_name, count(*) as cases
from cases
where is_current and analyst_key is not null
group by analyst_key;
