-- The targets of the operators this user may see (docs/metrics.md, "Metas e alertas"): the
-- access restriction of the filters applies through a case of each operator, so a target of an
-- operator without cases is listed only for users who see every operator.
with visible as (
    select distinct c.operator_key
    from case_facts c
    where {where}
)
select
    t.operator_key,
    coalesce(n.operator_name, t.operator) as operator,
    t.retention_rate as target_retention_rate,
    t.closed_within_60 as target_closed_within_60,
    t.set_by,
    t.set_at
from operator_targets t
left join operator_names n on n.operator_key = t.operator_key
where t.operator_key in (select operator_key from visible) or $everyone
order by operator, t.operator_key
