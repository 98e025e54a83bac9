-- Headline numbers over the filtered cases (metrics.md: cases, retention, closure time).
-- Lives at risk is not here: it comes from coverage_city.sql, its one definition; nor is the
-- retention rate: metrics/stats.add_rate computes it, its interval and the small-sample rule.
-- $with_median: false for cards that show no closure time (summaries.headline_counts): the median
-- is then not computed (null), half of this query's time at a million cases.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
totals as (
    select
        count(*) as cases,
        count(*) filter (where is_closed) as closed_cases,
        count(*) filter (where not is_closed) as open_cases,
        count(*) filter (where is_attempt) as attempts,
        count(*) filter (where is_retained) as retained,
        count(*) filter (where is_closed and outcome = 'nao_se_trata_de_retencao') as not_retention,
        count(*) filter (where is_terminated) as terminations,
        coalesce(sum(cros_at_stake) filter (where is_terminated), 0)::bigint as cros_lost,
        quantile_cont(closure_days, 0.5) filter (where $with_median) as median_days,
        count(closure_days) as closure_n
    from filtered
)
select
    cases,
    closed_cases,
    open_cases,
    attempts,
    retained,
    not_retention,
    terminations,
    cros_lost,
    median_days,
    closure_n
from totals
