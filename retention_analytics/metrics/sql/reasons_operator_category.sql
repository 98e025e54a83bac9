-- Reason categories per operator over that operator's terminated cases.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
terminated as (
    select operator_key, reason_categories
    from filtered
    where is_terminated
),
denominators as (
    select operator_key, count(*) as terminated
    from terminated
    group by operator_key
),
cited as (
    select operator_key, category, count(*) as cases
    from (select operator_key, unnest(reason_categories) as category from terminated)
    group by operator_key, category
),
grid as (
    select d.operator_key, d.terminated, rc.category, rc.controllable, rc.position
    from denominators d
    cross join reason_categories rc
)
select
    g.operator_key,
    coalesce(n.operator_name, $no_operator) as operator,
    g.category,
    g.controllable,
    coalesce(cited.cases, 0) as cases,
    g.terminated,
    coalesce(cited.cases, 0) / nullif(g.terminated, 0) as share
from grid g
left join cited
    on cited.operator_key is not distinct from g.operator_key and cited.category = g.category
left join operator_names n on n.operator_key = g.operator_key
order by operator, g.position
