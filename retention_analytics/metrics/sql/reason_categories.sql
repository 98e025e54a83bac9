-- Reason categories over terminated cases: cases citing at least one reason of the category.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
terminated as (
    select reason_categories
    from filtered
    where is_terminated
),
denominator as (
    select count(*) as terminated
    from terminated
),
cited as (
    -- reason_categories lists each category of a case's known reasons once (views.sql)
    select category, count(*) as cases
    from (select unnest(reason_categories) as category from terminated)
    group by category
)
select
    rc.category,
    rc.controllable,
    coalesce(cited.cases, 0) as cases,
    d.terminated,
    coalesce(cited.cases, 0) / nullif(d.terminated, 0) as share
from reason_categories rc
left join cited on cited.category = rc.category
cross join denominator d
order by rc.position
