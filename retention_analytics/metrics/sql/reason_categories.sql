-- Reason categories over terminated cases: cases citing at least one reason of the category.
with filtered as (
    select *
    from case_facts c
    where {where}
),
terminated as (
    select case_id
    from filtered
    where is_terminated
),
denominator as (
    select count(*) as terminated
    from terminated
),
cited as (
    select v.category, count(distinct r.case_id) as cases
    from case_reasons r
    join terminated t on t.case_id = r.case_id
    join reasons v on v.code = r.reason_code
    group by v.category
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
