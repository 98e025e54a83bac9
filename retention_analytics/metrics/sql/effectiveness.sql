-- Effectiveness per operator or per analyst ($by): cases, open cases, attempts, retained,
-- median days to close, share closed within 60 days and the three most cited termination reasons.
-- The rate, its Wilson interval and the small-sample flag are added by the caller (stats.py).
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
grouped_cases as (
    select
        case when $by = 'analyst' then analyst_key else operator_key end as group_key,
        reason_codes,
        is_closed,
        is_attempt,
        is_retained,
        is_terminated,
        outcome,
        closure_days
    from filtered
),
totals as (
    select
        group_key,
        count(*) as cases,
        count(*) filter (where not is_closed) as open_cases,
        count(*) filter (where is_closed) as closed,
        count(*) filter (where is_attempt) as attempts,
        count(*) filter (where is_retained) as retained,
        count(*) filter (where is_closed and outcome = 'nao_se_trata_de_retencao') as not_retention,
        count(*) filter (where is_terminated) as terminations,
        quantile_cont(closure_days, 0.5) as median_days,
        avg(case when closure_days <= 60 then 1 when closure_days is not null then 0 end)
            as closed_within_60
    from grouped_cases
    group by group_key
),
reason_counts as (
    -- reason_codes lists each code of a case once (views.sql), so rows of the unnest are cases
    select group_key, reason_code, count(*) as cases
    from (select group_key, unnest(reason_codes) as reason_code from grouped_cases where is_terminated)
    group by group_key, reason_code
),
reason_ranked as (
    select
        rc.group_key,
        coalesce(v.label, rc.reason_code) as label,
        rc.cases,
        row_number() over (
            partition by rc.group_key
            order by rc.cases desc, coalesce(v.position, 9999), rc.reason_code
        ) as rank
    from reason_counts rc
    left join reasons v on v.code = rc.reason_code
),
top_reasons as (
    select group_key, string_agg(label || ' (' || cases || ')', ', ' order by rank) as top_reasons
    from reason_ranked
    where rank <= 3
    group by group_key
),
named as (
    select
        t.*,
        tr.top_reasons,
        coalesce(
            case when $by = 'analyst' then a.analyst_name else o.operator_name end,
            case when $by = 'analyst' then $no_analyst else $no_operator end
        ) as name
    from totals t
    left join top_reasons tr on tr.group_key is not distinct from t.group_key
    left join operator_names o on o.operator_key = t.group_key
    left join analyst_names a on a.analyst_key = t.group_key
)
select
    group_key,
    name,
    cases,
    open_cases,
    closed,
    attempts,
    retained,
    not_retention,
    terminations,
    median_days,
    closed_within_60,
    top_reasons
from named
order by name
