-- Filtered current cases that replaced earlier versions of the same protocol ($limit rows).
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
versions as (
    -- version_count / version_ids: every stored form of the case's protocol (views.sql)
    select case_id, protocol_number, operator_key, operator, version_count, version_ids, source
    from filtered
    where version_count > 1
)
select
    v.case_id as current_case_id,
    v.protocol_number,
    coalesce(n.operator_name, v.operator) as operator,
    v.version_count as versions,
    v.version_ids as case_ids,
    v.source
from versions v
left join operator_names n on n.operator_key = v.operator_key
order by versions desc, current_case_id desc
limit $limit
