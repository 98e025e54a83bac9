-- The most frequent warning messages over the filtered current cases ($limit rows).
with filtered as not materialized (
    select *
    from case_facts c
    where {where} and c.warning_count > 0
),
messages as (
    select w.message, count(distinct w.case_id) as cases
    from case_warnings w
    join filtered f on f.case_id = w.case_id
    group by w.message
)
select message, cases
from messages
order by cases desc, message
limit $limit
