-- Retention among attempts where each action was offered, against attempts where it was not.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
attempts as (
    select action_codes, is_retained
    from filtered
    where is_attempt
),
totals as (
    select count(*) as attempts, count(*) filter (where is_retained) as retained
    from attempts
),
offered_pairs as (
    -- action_codes lists each action of a case once (views.sql): one row per (attempt, action)
    select unnest(action_codes) as action_code, is_retained
    from attempts
),
offered as (
    select action_code, count(*) as attempts, count(*) filter (where is_retained) as retained
    from offered_pairs
    group by action_code
)
select
    ac.code as action_code,
    ac.label,
    coalesce(o.attempts, 0) as attempts_offered,
    coalesce(o.retained, 0) as retained_offered,
    t.attempts - coalesce(o.attempts, 0) as attempts_not_offered,
    t.retained - coalesce(o.retained, 0) as retained_not_offered
from actions ac
left join offered o on o.action_code = ac.code
cross join totals t
order by ac.code
