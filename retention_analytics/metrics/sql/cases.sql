-- One row per (current) case under the filters, newest first, optionally matching $search
-- (lower case, no accents) in protocol, dentist, CRO, city, operator or analyst, or $search_digits
-- in CPF/CNPJ, and optionally only the terminated cases citing the reason $reason (the cases behind
-- a bar of the reasons Pareto). Paged by $limit/$offset. Personal data is masked by the caller
-- (privacy.py).
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
searched as not materialized (
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
reasoned as not materialized (
    select *
    from searched s
    -- reason_codes: the case's reason codes, each once (views.sql)
    where $reason::varchar is null
        or (s.is_terminated and list_contains(s.reason_codes, $reason::varchar))
),
-- The page in two steps: first which cases (reading only the sort keys of every filtered case),
-- then their columns. Sorting whole rows of a million cases to keep a hundred costs ten times more.
page_keys as (
    select case_id
    from reasoned
    order by reference_date desc nulls last, case_id desc
    limit $limit
    offset $offset
),
page as (
    select f.*
    from case_facts f
    semi join page_keys k on k.case_id = f.case_id
),
reason_lists as (
    select r.case_id, string_agg(coalesce(v.label, r.reason_code), ', ' order by v.position) as reasons
    from (select case_id, unnest(reason_codes) as reason_code from page) r
    left join reasons v on v.code = r.reason_code
    group by r.case_id
),
action_lists as (
    select a.case_id, string_agg(coalesce(v.label, a.action_code), ', ' order by a.action_code) as actions
    from (select case_id, unnest(action_codes) as action_code from page) a
    left join actions v on v.code = a.action_code
    group by a.case_id
)
select
    p.case_id,
    p.protocol_number,
    case when p.is_closed then p.outcome else 'aberto' end as status,
    p.operator_key,
    p.operator,
    p.analyst_key,
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
order by p.reference_date desc nulls last, p.case_id desc
