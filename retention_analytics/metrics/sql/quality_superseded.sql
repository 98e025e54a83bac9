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
    case_id as current_case_id,
    protocol_number,
    operator_key,
    operator,
    version_count as versions,
    version_ids as case_ids,
    source
from versions
order by versions desc, current_case_id desc
limit $limit
