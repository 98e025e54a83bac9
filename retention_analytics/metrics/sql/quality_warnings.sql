-- The filtered current cases whose form has warnings, most warnings first ($limit rows).
with filtered as not materialized (
    select *
    from case_facts c
    where {where} and c.warning_count > 0
),
listed as (
    select *
    from filtered
    order by warning_count desc, case_id desc
    limit $limit
),
messages as (
    select w.case_id, string_agg(w.message, ' · ' order by w.position) as warnings
    from case_warnings w
    join listed l on l.case_id = w.case_id
    group by w.case_id
)
select
    l.case_id,
    l.source,
    l.protocol_number,
    l.operator_key,
    l.operator,
    l.analyst_key,
    l.analyst,
    l.warning_count,
    m.warnings
from listed l
left join messages m on m.case_id = l.case_id
order by l.warning_count desc, l.case_id desc
