-- Terminated cases split by whether the operator could have acted on them (metrics.md,
-- "Controllable by the operator"): at least one reason of a controllable category; only reasons
-- of other categories; no reason cited. The three groups partition the terminated cases, so their
-- shares add up to 1 (unlike the per-reason shares, where a case counts once per reason).
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
flags as (
    select r.case_id, bool_or(coalesce(rc.controllable, false)) as any_controllable
    from case_reasons r
    join terminated t on t.case_id = r.case_id
    left join reasons v on v.code = r.reason_code
    left join reason_categories rc on rc.category = v.category
    group by r.case_id
),
grouped as (
    select
        case
            when f.case_id is null then 'no_reason'
            when f.any_controllable then 'controllable'
            else 'not_controllable'
        end as grp,
        count(*) as cases
    from terminated t
    left join flags f on f.case_id = t.case_id
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
