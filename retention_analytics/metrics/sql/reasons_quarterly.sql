-- Reason categories per quarter (of the period's date) over that quarter's terminated cases.
with filtered as (
    select *
    from case_facts c
    where {where}
),
terminated as (
    select
        case_id,
        case when $basis = 'finished' then finished_on else reference_date end as day
    from filtered
    where is_terminated
),
quartered as (
    select case_id, strftime(day, '%Y') || '-T' || quarter(day) as quarter
    from terminated
    where day is not null
),
denominators as (
    select quarter, count(*) as terminated
    from quartered
    group by quarter
),
cited as (
    select q.quarter, v.category, count(distinct r.case_id) as cases
    from case_reasons r
    join quartered q on q.case_id = r.case_id
    join reasons v on v.code = r.reason_code
    group by q.quarter, v.category
),
grid as (
    select d.quarter, d.terminated, rc.category, rc.controllable, rc.position
    from denominators d
    cross join reason_categories rc
)
select
    g.quarter,
    g.category,
    g.controllable,
    coalesce(cited.cases, 0) as cases,
    g.terminated,
    coalesce(cited.cases, 0) / nullif(g.terminated, 0) as share
from grid g
left join cited on cited.quarter = g.quarter and cited.category = g.category
order by g.quarter, g.position
