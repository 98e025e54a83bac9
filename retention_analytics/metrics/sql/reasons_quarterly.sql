-- Reason categories per quarter (of the period's date) over that quarter's terminated cases.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
terminated as (
    select
        reason_categories,
        case when $basis = 'finished' then finished_on else reference_date end as day
    from filtered
    where is_terminated
),
quartered as (
    -- grouped by numbers; the label "2024-T1" is made once per quarter, not once per case
    select reason_categories, year(day) * 10 + quarter(day) as quarter_number
    from terminated
    where day is not null
),
denominators as (
    select quarter_number, count(*) as terminated
    from quartered
    group by quarter_number
),
cited as (
    select quarter_number, category, count(*) as cases
    from (select quarter_number, unnest(reason_categories) as category from quartered)
    group by quarter_number, category
),
grid as (
    select d.quarter_number, d.terminated, rc.category, rc.controllable, rc.position
    from denominators d
    cross join reason_categories rc
)
select
    lpad(cast(g.quarter_number // 10 as varchar), 4, '0') || '-T' || (g.quarter_number % 10) as quarter,
    g.category,
    g.controllable,
    coalesce(cited.cases, 0) as cases,
    g.terminated,
    coalesce(cited.cases, 0) / nullif(g.terminated, 0) as share
from grid g
left join cited on cited.quarter_number = g.quarter_number and cited.category = g.category
order by g.quarter_number, g.position
