-- Filtered current cases that replaced earlier versions of the same protocol ($limit rows).
with filtered as (
    select *
    from case_facts c
    where {where}
),
versions as (
    select h.case_key, count(*) as versions, list(h.case_id order by h.case_id) as case_ids
    from cases h
    join filtered f on f.case_key = h.case_key
    group by h.case_key
    having count(*) > 1
)
select
    f.case_id as current_case_id,
    f.protocol_number,
    f.operator,
    v.versions,
    v.case_ids,
    f.source
from versions v
join filtered f on f.case_key = v.case_key
order by v.versions desc, f.case_id desc
limit $limit
