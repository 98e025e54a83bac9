-- The headline numbers of the selected period ($now_start–$now_end, either or both open) and of
-- the same-length period just before it ($prev_start–$prev_end, Filters.previous_period; none
-- when both are null), in one pass over case_facts instead of two headline queries and two city
-- coverages; summaries.kpis reads its 'current' row (the gaps without building the whole city
-- table). {where_all_periods}: every filter but the period, the same for both periods
-- (previous_period moves only the dates). The periods do not overlap (the previous one ends the
-- day before the selected one starts).
-- Lives at risk and gap cities as coverage_city.sql defines them: lives and listed CROs from the
-- city's most recent case stating them over all periods; a gap is a city whose CROs lost in the
-- period (at least one) are >= its listed CROs.
-- $with_median: false for cards that show no closure time (summaries.headline_counts): the median
-- is then not computed (null).
with scope as not materialized (
    select *
    from case_facts c
    where {where_all_periods}
),
tagged as (
    select
        *,
        case
            -- no period: every case of the scope, with or without a date (as the filters have it)
            when $now_start::date is null and $now_end::date is null then 'current'
            -- a bound left open is no bound; a case without the date is outside any period
            when period_day >= coalesce($now_start::date, period_day)
                and period_day <= coalesce($now_end::date, period_day) then 'current'
            when period_day >= $prev_start::date and period_day <= $prev_end::date then 'previous'
        end as period
    from (
        select *, case when $basis = 'finished' then finished_on else reference_date end as period_day
        from scope
    )
),
totals as (
    select
        period,
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
    from tagged
    where period is not null
    group by period
),
-- The city's lives and listed CROs now (its most recent case stating each), as coverage_city.sql:
-- with $network_kept (the filters name only operators, UFs and cities besides the period:
-- summaries._network_kept) from the network the store keeps per operator, UF and city (views.sql,
-- city_network), otherwise from every case of the scope. The way not taken is folded away.
located as (
    select
        city_id,
        case_recency(reference_date, case_id) as recency,
        lives,
        unique_cros_listed
    from scope
    where not $network_kept and uf is not null and city_key is not null
),
{steps:city_network_kept},
city_rows as (
    select
        city_id,
        arg_max(lives, recency) filter (where lives is not null) as lives,
        arg_max(unique_cros_listed, recency) filter (where unique_cros_listed is not null) as listed_cros
    from located
    group by city_id
    union all
    select
        city_id,
        arg_max(lives, lives_recency) filter (where lives_recency is not null),
        arg_max(listed_cros, listed_recency) filter (where listed_recency is not null)
    from kept
    group by city_id
),
-- CROs lost per period and city; with $network_kept and no period at all, the kept network's
-- (its counts are over all periods; `kept` has rows only with $network_kept), otherwise from the
-- tagged cases.
period_cities as (
    select
        period,
        city_id,
        coalesce(sum(cros_at_stake) filter (where is_terminated), 0)::bigint as cros_lost
    from tagged
    where not ($network_kept and $now_start::date is null and $now_end::date is null and $prev_start::date is null)
        and period is not null and uf is not null and city_key is not null
    group by period, city_id
    union all
    select 'current', city_id, sum(cros_lost)::bigint
    from kept
    where $now_start::date is null and $now_end::date is null and $prev_start::date is null
    group by city_id
),
gaps as (
    select
        p.period,
        count(*) as gap_cities,
        coalesce(sum(r.lives), 0)::bigint as lives_at_risk
    from period_cities p
    join city_rows r on r.city_id = p.city_id
    where p.cros_lost > 0 and p.cros_lost >= r.listed_cros
    group by p.period
),
periods as (
    select * from (values ('current', 0), ('previous', 1)) v(period, period_order)
)
select
    p.period,
    coalesce(t.cases, 0) as cases,
    coalesce(t.closed_cases, 0) as closed_cases,
    coalesce(t.open_cases, 0) as open_cases,
    coalesce(t.attempts, 0) as attempts,
    coalesce(t.retained, 0) as retained,
    coalesce(t.not_retention, 0) as not_retention,
    coalesce(t.terminations, 0) as terminations,
    coalesce(t.cros_lost, 0)::bigint as cros_lost,
    t.median_days,
    coalesce(t.closure_n, 0) as closure_n,
    coalesce(g.gap_cities, 0) as gap_cities,
    coalesce(g.lives_at_risk, 0)::bigint as lives_at_risk
from periods p
left join totals t on t.period = p.period
left join gaps g on g.period = p.period
order by p.period_order
