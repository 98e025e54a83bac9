-- Termination reasons over terminated cases: share = cases citing the reason / terminated cases
-- (several reasons per case, so shares add up to more than 1). cumulative_share is the Pareto
-- line: running citations / all citations, reaching 1 at the last reason.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
terminated as (
    select reason_codes
    from filtered
    where is_terminated
),
denominator as (
    select count(*) as terminated
    from terminated
),
cited as (
    -- reason_codes lists each code of a case once (views.sql), so rows of the unnest are cases
    select reason_code, count(*) as cases
    from (select unnest(reason_codes) as reason_code from terminated)
    group by reason_code
),
labeled as (
    select
        cited.reason_code,
        coalesce(v.label, cited.reason_code) as label,
        coalesce(v.category, 'Sem categoria') as category,
        coalesce(rc.controllable, false) as controllable,
        cited.cases,
        coalesce(v.position, 9999) as position
    from cited
    left join reasons v on v.code = cited.reason_code
    left join reason_categories rc on rc.category = v.category
),
shared as (
    select
        l.*,
        d.terminated,
        l.cases / nullif(d.terminated, 0) as share,
        sum(l.cases) over (
            order by l.cases desc, l.position, l.reason_code
            rows between unbounded preceding and current row
        ) / sum(l.cases) over () as cumulative_share
    from labeled l
    cross join denominator d
)
select reason_code, label, category, controllable, cases, terminated, share, cumulative_share
from shared
order by cases desc, position, reason_code
