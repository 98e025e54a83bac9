-- Conformidade ANS (docs/metrics.md): one row per current terminated case under the filters,
-- with its newest substitution record and the statuses of the rules. $as_of: today; $limit:
-- the first rows only (null: all).
with {steps:compliance_steps}
select
    s.case_id,
    s.protocol_number,
    s.operator_key,
    s.operator,
    s.analyst_key,
    s.analyst,
    s.uf,
    s.city_name as city,
    s.lives,
    s.exit_date,
    cast(s.notice_due as date) as notice_due,
    s.notice_date,
    s.notice_status,
    s.notice_channels,
    cast(s.publication_until as date) as publication_until,
    s.substitute_status,
    s.substitute_cro,
    s.substitute_uf,
    s.substitute_city,
    s.substitute_name,
    s.sole_provider,
    case
        when s.exit_date is null then null
        -- the files carry no start date for the substitute: it starts the day its record was stored
        when s.substitute_status <> 'sem_substituto'
            then greatest(0, date_diff('day', s.exit_date, cast(s.record_entered_at as date)))
        else greatest(0, date_diff('day', s.exit_date, $as_of::date))
    end as days_without_substitute,
    case
        when s.notice_status <> 'sem_aviso' or s.exit_date is null then null
        else date_diff('day', $as_of::date, cast(s.notice_due as date))
    end as days_to_notice_due,
    s.record_source
from statuses s
order by s.exit_date nulls last, s.protocol_number nulls last, s.case_id
limit $limit
