-- Derived values of metrics.md, defined once. Recreated on every open (views hold no data).
--
-- Each derived relation has its definition here as `<name>_live` (computed from the stored rows
-- every time it is read) and the name the metrics read, `<name>`, a view over it. The store keeps
-- a copy of each live relation in a table `<name>_cache`, refreshed in the same transaction as
-- every write, and points `<name>` at that copy (store.py, `refresh_derived`): at a million cases
-- the pages then read precomputed rows instead of recomputing them on every query. A database
-- built without the store (the tests' hand-made fixture) keeps `<name>` over `<name>_live`; both
-- give the same rows, because the copy is `select * from <name>_live`.

-- "The most recent case" of a city (metrics.md, "Network coverage": latest reference date, ties:
-- latest ingested = higher case_id) as one orderable number: days since 0001-01-01 above the case
-- id (a hugeint holds any bigint id below). Used by coverage_city.sql, kpis_delta.sql and
-- city_network below.
create or replace macro case_recency(reference_date, case_id) as
    date_diff('day', date '0001-01-01', coalesce(reference_date, date '0001-01-01'))::hugeint
        * 18446744073709551616 + case_id;

-- One row per case: the current (newest ingested) form of each case_key, with the derived columns
-- every metric uses. Written as a table macro of the case ids to compute (null: every case) so the
-- store can refresh the rows a write touched without recomputing a million others; the ids filter
-- every base table, not only the result.
create or replace macro case_facts_of(ids) as table
select
    c.*,
    coalesce(c.started_on, c.protocol_opened_on, c.form_date) as reference_date,
    (c.outcome is not null and c.finished_on is not null) as is_closed,
    (c.outcome is not null and c.finished_on is not null
        and c.outcome in ('retencao_efetiva', 'desligamento')) as is_attempt,
    (c.outcome is not null and c.finished_on is not null
        and c.outcome = 'retencao_efetiva') as is_retained,
    (c.outcome = 'desligamento') as is_terminated,
    case
        when c.outcome is null or c.finished_on is null then null
        when c.started_on is not null then date_diff('day', c.started_on, c.finished_on)
        else c.days_to_close
    end as closure_days,
    -- metrics.md: when both the dates and the form's "Tempo finalização" exist and disagree, the
    -- dates win and the case carries a data-quality warning.
    (c.started_on is not null and c.finished_on is not null and c.days_to_close is not null
        and date_diff('day', c.started_on, c.finished_on) <> c.days_to_close) as closure_days_conflict,
    coalesce(c.cro_count, 1) as cros_at_stake,
    coalesce(c.city_official, c.city) as city_name,
    -- The city as Filters.cities and coverage name it (filters.city_value): 'UF|ibge_code', or
    -- 'UF|city_key' for a name no IBGE municipality matched; null when the form names no city.
    c.uf || '|' || coalesce(cast(c.ibge_code as varchar), c.city_key) as city_id,
    -- The status of metrics.md, "Cases": the outcome of a closed case, 'aberto' for any other.
    case when c.outcome is not null and c.finished_on is not null then c.outcome else 'aberto' end as status,
    -- The checkboxes as per-case lists (each code once), so summaries need no join with the
    -- child tables: reason codes, the categories they belong to (known codes only) and whether
    -- any of them is controllable by the operator; action codes.
    coalesce(r.reason_codes, []) as reason_codes,
    coalesce(r.reason_categories, []) as reason_categories,
    coalesce(r.any_controllable, false) as any_controllable,
    coalesce(a.action_codes, []) as action_codes,
    -- How many forms the store holds for this case_key (1 when none was superseded) and their
    -- ids, oldest first, when more than one: the data-quality page's protocol history.
    coalesce(v.version_count, 1) as version_count,
    coalesce(v.version_ids, []) as version_ids,
    -- The last contact date written on the form and how many contacts it lists: the work queue
    -- and the oldest open cases show them beside a case (read here once per write instead of
    -- scanning every contact of a national store, ~3 million rows, on every rerun).
    k.last_contact_on,
    coalesce(k.contact_count, 0) as contact_count,
    -- The form's warnings as the data-quality list shows them, in their order (null: none).
    wn.warnings,
    -- Which header fields of the form were left blank, one flag per field (the data-quality page
    -- counts them: a sum over a few bits instead of reading every text column of every case).
    {
        'analyst': c.analyst is null,
        'cro_count': c.cro_count is null,
        'form_date': c.form_date is null,
        'operator': c.operator is null,
        'cro': c.cro is null,
        'cro_uf': c.cro_uf is null,
        'dentist_name': c.dentist_name is null,
        'cnpj': c.cnpj is null,
        'cpf': c.cpf is null,
        'inclusion_date': c.inclusion_date is null,
        'person_type': c.person_type is null,
        'requested_by': c.requested_by is null,
        'protocol_number': c.protocol_number is null,
        'protocol_opened_on': c.protocol_opened_on is null,
        'uf': c.uf is null,
        'city': c.city is null,
        'lives': c.lives is null,
        'unique_cros_listed': c.unique_cros_listed is null,
        'accepts_other_plans': c.accepts_other_plans is null,
        'other_plans': c.other_plans is null,
        'coin_value': c.coin_value is null,
        'last_production': c.last_production is null,
        'last_production_value': c.last_production_value is null,
        'started_on': c.started_on is null,
        'finished_on': c.finished_on is null,
        'days_to_close': c.days_to_close is null,
        'outcome': c.outcome is null
    } as blank_fields
from cases c
left join (
    select
        cr.case_id,
        list(distinct cr.reason_code order by cr.reason_code) as reason_codes,
        list(distinct v.category order by v.category) filter (where v.category is not null) as reason_categories,
        bool_or(coalesce(rc.controllable, false)) as any_controllable
    from case_reasons cr
    left join reasons v on v.code = cr.reason_code
    left join reason_categories rc on rc.category = v.category
    where ids is null or list_contains(ids, cr.case_id)
    group by cr.case_id
) r on r.case_id = c.case_id
left join (
    select case_id, list(distinct action_code order by action_code) as action_codes
    from case_actions
    where ids is null or list_contains(ids, case_id)
    group by case_id
) a on a.case_id = c.case_id
left join (
    select case_id, max(contact_date) as last_contact_on, count(*) as contact_count
    from case_contacts
    where ids is null or list_contains(ids, case_id)
    group by case_id
) k on k.case_id = c.case_id
left join (
    select case_id, string_agg(message, ' · ' order by position) as warnings
    from case_warnings
    where ids is null or list_contains(ids, case_id)
    group by case_id
) wn on wn.case_id = c.case_id
left join (
    -- only protocols with a superseded form can have several (the store keeps exactly one current
    -- form per case_key): a few keys, not a group per case
    select case_key, count(*) as version_count, list(case_id order by case_id) as version_ids
    from cases
    where case_key in (select case_key from cases where not is_current)
        and (ids is null or case_key in (select case_key from cases where list_contains(ids, case_id)))
    group by case_key
) v on v.case_key = c.case_key
where c.is_current and (ids is null or list_contains(ids, c.case_id));

create or replace view case_facts_live as select * from case_facts_of(null::bigint[]);

create or replace view case_facts as select * from case_facts_live;

-- The name shown for each grouping key: the spelling used most often ("ODONTOLIFE" over "OdontoLife").
create or replace view operator_names_live as
select operator_key, mode(operator) as operator_name, count(*) as cases
from cases
where is_current and operator_key is not null
group by operator_key;

create or replace view operator_names as select * from operator_names_live;

create or replace view analyst_names_live as
select analyst_key, mode(analyst) as analyst_name, count(*) as cases
from cases
where is_current and analyst_key is not null
group by analyst_key;

create or replace view analyst_names as select * from analyst_names_live;

-- The counts behind the sidebar's choices (metrics/sql/filter_options.sql, date_range.sql), per
-- operator so that an access restriction (which only names operators) still applies: a few
-- thousand rows to sum instead of every case on every page. kind: operators, analysts, ufs,
-- cities (name: the IBGE name), city_names (the spellings of unmatched cities), requested_by,
-- outcomes (value: the status), dates (first and last reference and closing dates).
create or replace view filter_choices_live as
select operator_key, 'operators' as kind, operator_key as value, null::varchar as uf, null::varchar as name,
    count(*) as cases, null::date as first_day, null::date as last_day, null::date as first_finished,
    null::date as last_finished
from case_facts
where operator_key is not null
group by operator_key
union all
select operator_key, 'analysts', analyst_key, null, null, count(*), null, null, null, null
from case_facts
where analyst_key is not null
group by operator_key, analyst_key
union all
select operator_key, 'ufs', uf, uf, null, count(*), null, null, null, null
from case_facts
where uf is not null
group by operator_key, uf
union all
select operator_key, 'cities', city_id, uf, max(city_official), count(*), null, null, null, null
from case_facts
where uf is not null and city_key is not null
group by operator_key, uf, city_id
union all
select operator_key, 'city_names', city_id, uf, city, count(*), null, null, null, null
from case_facts
where uf is not null and city_key is not null and city_official is null
group by operator_key, uf, city_id, city
union all
select operator_key, 'requested_by', requested_by, null, null, count(*), null, null, null, null
from case_facts
where requested_by is not null
group by operator_key, requested_by
union all
select operator_key, 'outcomes', status, null, null, count(*), null, null, null, null
from case_facts
group by operator_key, status
union all
select operator_key, 'dates', null, null, null, count(*), min(reference_date), max(reference_date),
    min(finished_on), max(finished_on)
from case_facts
group by operator_key;

create or replace view filter_choices as select * from filter_choices_live;


-- The sidebar's choices (metrics/sql/filter_options.sql) among the operators in `allowed` (null:
-- every operator; an empty list: none): one row per (kind, value) with its label and number of
-- cases, summed from filter_choices. Everyone who may see every operator reads the copy the store
-- keeps of sidebar_choices_live (~10 thousand rows at a million cases: 25 -> 7 ms on every page's
-- first run); a user restricted to some operators gets the same definition over theirs.
create or replace macro sidebar_choices_of(allowed) as table
with visible as not materialized (
    select *
    from filter_choices c
    where allowed is null or list_contains(allowed, c.operator_key)
),
counted as (
    select kind, value, any_value(uf) as uf, sum(cases)::bigint as cases
    from visible
    where kind in ('operators', 'analysts', 'ufs', 'requested_by', 'outcomes')
    group by kind, value
),
operators as (
    select 'operators' as kind, v.value, coalesce(n.operator_name, v.value) as label, null as uf, v.cases
    from counted v
    left join operator_names n on n.operator_key = v.value
    where v.kind = 'operators'
),
analysts as (
    select 'analysts' as kind, v.value, coalesce(n.analyst_name, v.value) as label, null as uf, v.cases
    from counted v
    left join analyst_names n on n.analyst_key = v.value
    where v.kind = 'analysts'
),
ufs as (
    select 'ufs' as kind, value, value as label, uf, cases
    from counted
    where kind = 'ufs'
),
-- A city matched IBGE on every case (its IBGE name) or on none (the spelling written most often;
-- ties: the first in alphabetical order, as coverage_city.sql names it).
city_counts as (
    select uf, value as city_id, max(name) as city_official, sum(cases)::bigint as cases
    from visible
    where kind = 'cities'
    group by uf, value
),
written_names as (
    select uf, city_id, city
    from (
        select uf, value as city_id, name as city, sum(cases) as written
        from visible
        where kind = 'city_names'
        group by uf, value, name
    )
    qualify row_number() over (partition by uf, city_id order by written desc, city) = 1
),
cities as (
    select 'cities' as kind, c.city_id as value, coalesce(c.city_official, w.city) || ' (' || c.uf || ')' as label,
        c.uf, c.cases
    from city_counts c
    left join written_names w on w.uf = c.uf and w.city_id = c.city_id
),
requesters as (
    select 'requested_by' as kind, value, value as label, null as uf, cases
    from counted
    where kind = 'requested_by'
),
statuses as (
    select 'outcomes' as kind, value, null as label, null as uf, cases
    from counted
    where kind = 'outcomes'
)
select kind, value, label, uf, cases from operators
union all
select kind, value, label, uf, cases from analysts
union all
select kind, value, label, uf, cases from ufs
union all
select kind, value, label, uf, cases from cities
union all
select kind, value, label, uf, cases from requesters
union all
select kind, value, label, uf, cases from statuses;

create or replace view sidebar_choices_live as select * from sidebar_choices_of(null::varchar[]);

create or replace view sidebar_choices as select * from sidebar_choices_live;

-- The network per operator, UF and city, over all periods (metrics.md, "Network coverage"): the
-- city's names, the lives and listed CROs of its most recent case stating each (with that case's
-- recency, so that the most recent over several operators is the largest), its cases,
-- terminations and CROs lost, and how often each spelling of an unmatched city is written. The
-- city coverage and the headline's gaps read it instead of grouping every case whenever the
-- filters name only operators, UFs and cities (summaries.py, _network_kept): ~37 thousand rows
-- at a million cases instead of a million. ibge_code and city_key let Filters' city condition
-- apply to these rows as to case_facts (a city_id is matched on all its cases or on none).
create or replace view city_network_live as
select
    operator_key,
    uf,
    city_id,
    max(ibge_code) as ibge_code,
    min(city_key) as city_key,
    max(city_official) as city_official,
    arg_max(lives, recency) filter (where lives is not null) as lives,
    max(recency) filter (where lives is not null) as lives_recency,
    arg_max(unique_cros_listed, recency) filter (where unique_cros_listed is not null) as listed_cros,
    max(recency) filter (where unique_cros_listed is not null) as listed_recency,
    count(*) as cases,
    count(*) filter (where is_terminated) as terminations,
    coalesce(sum(cros_at_stake) filter (where is_terminated), 0)::bigint as cros_lost,
    histogram(city) filter (where city_official is null) as spellings
from (
    select *, case_recency(reference_date, case_id) as recency
    from case_facts
    where uf is not null and city_key is not null
)
group by operator_key, uf, city_id;

create or replace view city_network as select * from city_network_live;
