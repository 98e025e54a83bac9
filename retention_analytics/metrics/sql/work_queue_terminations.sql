-- The terminations under the filters still missing a notice or a substitute (the rows and
-- statuses of Conformidade ANS), the nearest notice deadline first. $as_of: today; $limit: the
-- first rows only (null: all), from row $offset on (0: the first; a page of the list).
with {steps:compliance_steps},
pending as (
    select
        *,
        case
            when notice_status = 'sem_aviso' and substitute_status = 'sem_substituto' then 'aviso e substituto'
            when notice_status = 'sem_aviso' then 'aviso'
            else 'substituto'
        end as missing
    from compliance_rows
    where notice_status = 'sem_aviso' or substitute_status = 'sem_substituto'
)
select
    case_id, protocol_number, operator_key, operator, analyst_key, analyst, uf, city, exit_date, notice_due,
    notice_status, days_to_notice_due, substitute_status, days_without_substitute, missing
from pending
order by days_to_notice_due nulls last, exit_date nulls last, case_id
limit $limit
offset $offset
