-- One row per (current) case under the filters, newest first, optionally matching $search
-- (lower case, no accents) in protocol, dentist, CRO, city, operator or analyst, or $search_digits
-- in CPF/CNPJ, and optionally only the terminated cases citing the reason $reason (the cases behind
-- a bar of the reasons Pareto). Paged by $limit/$offset. Personal data is masked by the caller
-- (privacy.py).
with filtered as (
    select *
    from case_facts c
    where {where}
),
searched as (
    select *
    from filtered
    where $search::varchar is null
        or contains(
            lower(strip_accents(concat_ws(' ', protocol_number, dentist_name, cro, city_name, city,
                operator, analyst, source))),
            $search::varchar
        )
        or ($search_digits::varchar is not null
            and (contains(cpf, $search_digits::varchar)
                or contains(upper(cnpj), $search_digits::varchar)))
),
reasoned as (
    select *
    from searched s
    where $reason::varchar is null
        or (s.is_terminated
            and exists (
                select 1 from case_reasons r where r.case_id = s.case_id and r.reason_code = $reason::varchar
            ))
),
page as (
    select *
    from reasoned
    order by reference_date desc nulls last, case_id desc
    limit $limit
    offset $offset
),
reason_lists as (
    select r.case_id, string_agg(coalesce(v.label, r.reason_code), ', ' order by v.position) as reasons
    from (select distinct case_id, reason_code from case_reasons) r
    join page p on p.case_id = r.case_id
    left join reasons v on v.code = r.reason_code
    group by r.case_id
),
action_lists as (
    select a.case_id, string_agg(coalesce(v.label, a.action_code), ', ' order by a.action_code) as actions
    from (select distinct case_id, action_code from case_actions) a
    join page p on p.case_id = a.case_id
    left join actions v on v.code = a.action_code
    group by a.case_id
)
select
    p.case_id,
    p.protocol_number,
    case when p.is_closed then p.outcome else 'aberto' end as status,
    p.operator_key,
    coalesce(n.operator_name, p.operator) as operator,
    p.analyst,
    p.uf,
    p.city_name as city,
    p.ibge_code,
    p.dentist_name,
    p.cro,
    p.cro_uf,
    p.cpf,
    p.cnpj,
    p.person_type,
    p.requested_by,
    p.reference_date,
    p.started_on,
    p.finished_on,
    p.closure_days,
    p.lives,
    p.unique_cros_listed,
    p.cros_at_stake,
    rl.reasons,
    al.actions,
    p.general_note,
    p.warning_count,
    p.source
from page p
left join reason_lists rl on rl.case_id = p.case_id
left join action_lists al on al.case_id = p.case_id
left join operator_names n on n.operator_key = p.operator_key
order by p.reference_date desc nulls last, p.case_id desc
