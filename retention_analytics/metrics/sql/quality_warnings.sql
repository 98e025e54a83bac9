-- The filtered current cases whose form has warnings, most warnings first ($limit rows from row
-- $offset on: 0 is the first; a page of the list).
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
    offset $offset
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
    l.warnings  -- case_facts (views.sql): the form's warnings, in their order
from listed l
order by l.warning_count desc, l.case_id desc
