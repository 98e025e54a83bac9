-- One stored form ($case_id, current or superseded) with its lists and its history, if the
-- access restriction ({where}, operator only) lets this user see it.
with target as (
    select *
    from cases c
    where c.case_id = $case_id and {where}
),
facts as (
    select f.case_id, f.reference_date, f.is_closed, f.closure_days, f.cros_at_stake
    from case_facts f
    join target t on t.case_id = f.case_id
),
reason_list as (
    select list(coalesce(v.label, r.reason_code) order by coalesce(v.position, 9999)) as reasons
    from case_reasons r
    join target t on t.case_id = r.case_id
    left join reasons v on v.code = r.reason_code
),
action_list as (
    select list(coalesce(v.label, a.action_code) order by a.action_code) as actions
    from case_actions a
    join target t on t.case_id = a.case_id
    left join actions v on v.code = a.action_code
),
sector_list as (
    select list(coalesce(v.label, s.sector_code) order by s.sector_code) as sectors
    from case_sectors s
    join target t on t.case_id = s.case_id
    left join sectors v on v.code = s.sector_code
),
signatory_list as (
    select list(s.name order by s.position) as signatories
    from case_signatories s
    join target t on t.case_id = s.case_id
),
warning_list as (
    select list(w.message order by w.position) as warnings
    from case_warnings w
    join target t on t.case_id = w.case_id
),
contact_list as (
    select list({'number': k.number, 'date': k.contact_date, 'note': k.note} order by k.number)
        as contacts
    from case_contacts k
    join target t on t.case_id = k.case_id
),
document as (
    -- How the form was read (documents.reading, JSON): OCR, e-mail it came attached to.
    select d.reading
    from documents d
    join target t on t.case_id = d.document_id
),
history as (
    -- Versions share a protocol number, which forms of another operator may repeat: only those
    -- the access restriction lets this user see are listed (alias c, as {where} expects).
    select list({'case_id': c.case_id, 'source': c.source, 'is_current': c.is_current,
        'outcome': c.outcome} order by c.case_id desc) as versions
    from cases c
    join target t on t.case_key = c.case_key
    where {where}
)
select
    t.*,
    f.reference_date,
    f.is_closed,
    f.closure_days,
    f.cros_at_stake,
    coalesce(rl.reasons, []) as reasons,
    coalesce(al.actions, []) as actions,
    coalesce(sl.sectors, []) as sectors,
    coalesce(gl.signatories, []) as signatories,
    coalesce(wl.warnings, []) as warnings,
    coalesce(cl.contacts, []) as contacts,
    coalesce(h.versions, []) as versions,
    (select reading from document) as reading
from target t
left join facts f on f.case_id = t.case_id
cross join reason_list rl
cross join action_list al
cross join sector_list sl
cross join signatory_list gl
cross join warning_list wl
cross join contact_list cl
cross join history h
