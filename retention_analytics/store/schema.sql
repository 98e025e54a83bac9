-- The case store: every document ever ingested, the cases parsed from them, the vocabularies.
--
-- documents keeps the bytes of every file (nothing is ever lost; `reparse` rebuilds every case
-- from them). cases holds one row per parsed form; is_current marks the newest ingested form of
-- each case_key (protocol_number, or the document itself when the form has none); older forms stay
-- as history. Derived values of metrics.md live in the view case_facts, so every page, export and
-- CLI reads one definition.

create sequence if not exists document_id_seq start 1;
create sequence if not exists batch_id_seq start 1;

create table if not exists meta (
    key varchar primary key,
    value varchar
);

create table if not exists ingest_batches (
    batch_id bigint primary key,
    started_at timestamp not null,
    finished_at timestamp,
    origin varchar,             -- 'cli', 'upload', 'demo', 'reparse'
    documents_new integer default 0,
    duplicates integer default 0,
    superseded integer default 0,
    rejected integer default 0
);

create table if not exists documents (
    document_id bigint primary key,
    sha256 varchar not null unique,
    file_name varchar not null,
    content blob not null,
    size_bytes bigint not null,
    ingested_at timestamp not null,
    batch_id bigint not null,
    parser_version varchar not null,
    status varchar not null,    -- 'ok', 'ok_with_warnings', 'rejected'
    rejection_reason varchar,   -- Portuguese, for people
    -- Why the file could not even be read before parsing (Document.error: bad zip, too big, not
    -- found). Kept apart from rejection_reason so `reparse` keeps these rejected instead of
    -- handing unreadable bytes to the parser.
    source_error varchar
);

create table if not exists cases (
    case_id bigint primary key,          -- the document_id the record was parsed from
    case_key varchar not null,
    is_current boolean not null,
    superseded_by bigint,
    source varchar,
    analyst varchar,
    analyst_key varchar,
    cro_count integer,
    form_date date,
    operator varchar,
    operator_key varchar,
    cro varchar,
    cro_uf varchar,
    dentist_name varchar,
    cnpj varchar,
    cpf varchar,
    inclusion_date date,
    person_type varchar,
    requested_by varchar,
    protocol_number varchar,
    protocol_opened_on date,
    uf varchar,
    city varchar,
    city_key varchar,
    ibge_code integer,
    city_official varchar,
    lives integer,
    unique_cros_listed integer,
    accepts_other_plans boolean,
    other_plans varchar,
    coin_value double,
    last_production varchar,
    last_production_value double,
    started_on date,
    finished_on date,
    days_to_close integer,
    outcome varchar,
    protocol_required boolean,
    general_note varchar,
    warning_count integer not null default 0
);

create table if not exists case_contacts (
    case_id bigint not null,
    number integer not null,
    contact_date date,
    note varchar
);

create table if not exists case_reasons (
    case_id bigint not null,
    reason_code varchar not null
);

create table if not exists case_actions (
    case_id bigint not null,
    action_code varchar not null
);

create table if not exists case_sectors (
    case_id bigint not null,
    sector_code varchar not null
);

create table if not exists case_signatories (
    case_id bigint not null,
    position integer not null,
    name varchar not null
);

create table if not exists case_warnings (
    case_id bigint not null,
    position integer not null,
    message varchar not null
);

-- Vocabularies, filled from retention_analytics.vocab on every open (they are code, not data).
create table if not exists outcomes (code varchar primary key, label varchar not null);
create table if not exists actions (code varchar primary key, label varchar not null);
create table if not exists sectors (code varchar primary key, label varchar not null);
create table if not exists reason_categories (
    category varchar primary key,
    controllable boolean not null,
    position integer not null
);
create table if not exists reasons (
    code varchar primary key,
    label varchar not null,
    category varchar not null,
    position integer not null
);
create table if not exists ufs (
    uf varchar primary key,
    name varchar not null,
    population bigint not null,
    capital varchar not null,
    tile_row integer not null,
    tile_col integer not null
);
create table if not exists municipalities (
    uf varchar not null,
    ibge_code integer primary key,
    name varchar not null
);

-- Columns added after the first release: `create table if not exists` does not touch an existing
-- table, so files created by an earlier version get them here (no-ops on new files).
alter table documents add column if not exists source_error varchar;
-- Schema 2 (migrations/002_provenance.sql): demo or real, per document and per case. Only the demo
-- generator (Store.ingest(demo=True), bulk_insert_cases(is_demo=True)) writes true; a row whose
-- origin is unknown counts as real, so any doubt asks for a login.
alter table documents add column if not exists is_demo boolean default false;
alter table cases add column if not exists is_demo boolean default false;
-- How the form was read (the record's `reading`, JSON): method (text, ocr), OCR confidence per
-- value and pages, and for a form attached to an e-mail the message's date, sender and subject.
-- Null for documents stored before it was kept (and rejected ones); `reparse` fills it again,
-- keeping the e-mail's data, which only the original message had.
alter table documents add column if not exists reading varchar;

-- Who saw personal data unmasked, downloaded an original document or logged in (LGPD): one row
-- per event, never updated or deleted by the app. `filters` is the filters in words (describe()).
create sequence if not exists audit_id_seq start 1;
create table if not exists audit_log (
    audit_id bigint primary key,
    logged_at timestamp not null,
    username varchar not null,
    role varchar,
    action varchar not null,    -- 'ver_dados_pessoais', 'exportar_dados_pessoais', 'baixar_original', 'login', …
    page varchar,               -- the page or command, in Portuguese
    target varchar,             -- which table or case
    filters varchar,
    detail varchar
);

-- What the operator did after a termination (Lei 9.656/98 art. 17, RN 567/2022; docs/metrics.md,
-- "Conformidade ANS"): exit from the network, notice to beneficiaries, the substitute. Keyed by
-- the case's case_key and append-only: every change is a new row saying who and where from
-- ('manual' on the case's page, 'importacao' from the credentialing system's file, 'formulario'
-- from a form's "Substituição" block); the current record of a case is its newest row. The form
-- the case was read from is never changed.
create sequence if not exists substitution_id_seq start 1;
create table if not exists substitutions (
    substitution_id bigint primary key,
    case_key varchar not null,
    exit_date date,                 -- saída da rede; unknown: the case's finished_on counts
    notice_date date,               -- aviso publicado aos beneficiários
    notice_channels varchar,
    substitute_cro varchar,
    substitute_uf varchar,
    substitute_city varchar,        -- as written
    substitute_ibge_code integer,   -- the IBGE municipality it names in substitute_uf, if any
    substitute_name varchar,
    notes varchar,
    source varchar not null,
    entered_by varchar,
    entered_at timestamp not null
);

-- Targets, alerts, saved views and visits (issue 14; docs/metrics.md, "Metas e alertas"). New
-- tables only, so files of schema 2 gain them here with no migration. Written by
-- store/alerting.py and store/user_state.py.

-- The targets an admin sets per operator (shares 0–1; null: no target for that number). One row
-- per operator key (text.key of the name), replaced when set again; `operator` keeps the name as
-- typed, for people.
create table if not exists operator_targets (
    operator_key varchar primary key,
    operator varchar not null,
    retention_rate double,          -- retained / attempts
    closed_within_60 double,        -- share of closed cases closed within 60 days
    set_by varchar,
    set_at timestamp not null
);

-- Alert rules: what to watch (kind), over which operator (null: every operator), with which
-- number (N closed cases, N days), and who is told (e-mails, comma-separated).
create sequence if not exists alert_rule_id_seq start 1;
create table if not exists alert_rules (
    rule_id bigint primary key,
    kind varchar not null,          -- 'retencao_abaixo_da_meta', 'caso_aberto_ha_dias', 'nova_lacuna', 'aviso_pendente'
    operator_key varchar,
    threshold integer not null,
    recipients varchar not null default '',
    active boolean not null default true,
    created_by varchar,
    created_at timestamp not null
);

-- Alerts fired: one row per rule and subject (a case, a city, an operator's episode below its
-- target), never fired twice; `mailed_at` stays null until the e-mail went out, `resolved_at`
-- marks an episode that ended (retention back at its target).
create sequence if not exists alert_id_seq start 1;
create table if not exists alerts (
    alert_id bigint primary key,
    rule_id bigint not null,
    kind varchar not null,
    subject_key varchar not null,
    operator_key varchar,
    case_id bigint,
    city_id varchar,
    message varchar not null,       -- Portuguese, for people
    fired_at timestamp not null,
    mailed_at timestamp,
    resolved_at timestamp,
    unique (rule_id, subject_key)
);

-- A user's saved views: a page (ui/nav url_path) and its URL query (filters and view keys).
create sequence if not exists saved_view_id_seq start 1;
create table if not exists saved_views (
    view_id bigint primary key,
    username varchar not null,
    name varchar not null,
    page varchar not null,
    query varchar not null,
    created_at timestamp not null,
    unique (username, name)
);

-- When each user last opened the home page ("Minha semana" shows what changed since).
create table if not exists user_visits (
    username varchar primary key,
    last_visit timestamp not null
);

-- Scheduled reports (page Relatórios, `report run-due`; docs/reports.md). A schedule says which
-- report (an analysis page's title, or 'mensal' for the monthly pack of every page) goes to which
-- dashboard users (usernames of the users file: each gets it with their own operator restriction),
-- weekly or monthly, under which filters (Filters.to_query_params as JSON, never a period: each
-- send covers the week or month before it, nor an access restriction).
create sequence if not exists report_schedule_id_seq start 1;
create table if not exists report_schedules (
    schedule_id bigint primary key,
    name varchar not null,
    report varchar not null,
    frequency varchar not null,     -- 'semanal' or 'mensal'
    recipients varchar[] not null,
    filters varchar not null,
    active boolean not null default true,
    created_by varchar,
    created_at timestamp not null
);

-- One row per schedule, period and recipient, written in its own transaction BEFORE the message
-- goes out ('enviando'), then marked 'enviado' (or removed when the server refused the message,
-- so the next run tries again). A run killed between the two leaves 'enviando': never sent again
-- (at most once), and the Relatórios page says it was interrupted.
create table if not exists report_deliveries (
    schedule_id bigint not null,
    period_start date not null,
    period_end date not null,
    recipient varchar not null,
    status varchar not null,        -- 'enviando', 'enviado' or 'falhou'
    claimed_at timestamp not null,
    sent_at timestamp,
    detail varchar,
    primary key (schedule_id, period_start, recipient)
);
