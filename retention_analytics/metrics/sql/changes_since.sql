-- "Minha semana" (docs/metrics.md): the current cases under the filters that changed after
-- $since and up to $as_of: a form of a new protocol ('novo'), a termination that arrived
-- ('desligamento': a new case or a new version that is a termination), an open case whose age
-- crossed 30, 60 or 90 days ('faixa'). One row per case, the first kind that applies in that order
-- (a new termination is a termination). A form arrives when its document was imported.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
arrivals as (
    select
        f.case_id,
        d.ingested_at,
        (select min(d2.ingested_at) from cases v join documents d2 on d2.document_id = v.case_id
         where v.case_key = f.case_key) as first_ingested_at
    from filtered f
    join documents d on d.document_id = f.case_id
),
crossed as (
    select
        f.case_id,
        max(b.days) as crossed_days
    from filtered f
    cross join (values (31), (61), (91)) b(days)
    where not f.is_closed and f.reference_date is not null
        and f.reference_date + b.days * interval 1 day > cast($since as date)
        and f.reference_date + b.days * interval 1 day <= cast($as_of as date)
    group by f.case_id
),
kinds as (
    select
        f.*,
        a.ingested_at,
        x.crossed_days,
        case
            when f.is_terminated and a.ingested_at > $since then 'desligamento'
            when a.first_ingested_at > $since then 'novo'
            when x.crossed_days is not null then 'faixa'
        end as change
    from filtered f
    left join arrivals a on a.case_id = f.case_id
    left join crossed x on x.case_id = f.case_id
)
select
    k.case_id,
    k.protocol_number,
    k.operator_key,
    coalesce(n.operator_name, k.operator) as operator,
    k.analyst,
    k.uf,
    k.city_name as city,
    k.dentist_name,
    k.change,
    case k.change when 'desligamento' then 1 when 'novo' then 2 else 3 end as change_order,
    k.ingested_at,
    k.crossed_days - 1 as crossed_band_days,
    k.status
from kinds k
left join operator_names n on n.operator_key = k.operator_key
where k.change is not null
order by change_order, k.ingested_at desc nulls last, k.case_id desc
