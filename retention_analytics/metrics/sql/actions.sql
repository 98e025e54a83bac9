-- Retention among attempts where each action was offered, against attempts where it was not.
with filtered as (
    select *
    from case_facts c
    where {where}
),
attempts as (
    select case_id, is_retained
    from filtered
    where is_attempt
),
totals as (
    select count(*) as attempts, count(*) filter (where is_retained) as retained
    from attempts
),
offered_pairs as (
    select distinct a.case_id, a.action_code, t.is_retained
    from case_actions a
    join attempts t on t.case_id = a.case_id
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
