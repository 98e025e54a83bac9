-- Retention over the last $n attempts of each operator under the filters (docs/metrics.md,
-- "Metas e alertas"): attempts ordered by closing date, then by case id (the later ingested),
-- newest first; the window's first and last closing dates and its newest case.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
attempts as (
    select
        operator_key,
        case_id,
        finished_on,
        is_retained,
        row_number() over (partition by operator_key order by finished_on desc, case_id desc) as position
    from filtered
    where is_attempt and operator_key is not null
),
windowed as (
    select *
    from attempts
    where position <= $n
)
select
    w.operator_key,
    coalesce(o.operator_name, w.operator_key) as operator,
    count(*) as attempts,
    count(*) filter (where w.is_retained) as retained,
    min(w.finished_on) as first_finished_on,
    max(w.finished_on) as last_finished_on,
    arg_max(w.case_id, w.finished_on) as newest_case_id
from windowed w
left join operator_names o on o.operator_key = w.operator_key
group by w.operator_key, o.operator_name
order by w.operator_key
