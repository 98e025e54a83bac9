-- Terminated cases split by whether the operator could have acted on them (metrics.md,
-- "Controllable by the operator"): at least one reason of a controllable category; only reasons
-- of other categories; no reason cited. The three groups partition the terminated cases, so their
-- shares add up to 1 (unlike the per-reason shares, where a case counts once per reason).
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
terminated as (
    -- any_controllable: some reason of the case is in a controllable category (views.sql)
    select len(reason_codes) > 0 as has_reason, any_controllable
    from filtered
    where is_terminated
),
denominator as (
    select count(*) as terminated
    from terminated
),
grouped as (
    select
        case
            when not has_reason then 'no_reason'
            when any_controllable then 'controllable'
            else 'not_controllable'
        end as grp,
        count(*) as cases
    from terminated
    group by grp
),
groups as (
    select *
    from (values
        (1, 'controllable', 'Ao menos um motivo controlável pela operadora'),
        (2, 'not_controllable', 'Só motivos fora do controle da operadora'),
        (3, 'no_reason', 'Nenhum motivo informado')
    ) as g(position, grp, label)
)
select
    g.grp as kind,
    g.label,
    coalesce(grouped.cases, 0) as cases,
    d.terminated,
    coalesce(grouped.cases, 0) / nullif(d.terminated, 0) as share
from groups g
left join grouped on grouped.grp = g.grp
cross join denominator d
order by g.position
