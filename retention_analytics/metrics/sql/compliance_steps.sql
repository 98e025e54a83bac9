-- The steps of Conformidade ANS (docs/metrics.md), shared by compliance.sql (one row per
-- terminated case), compliance_kpis.sql (its headline) and compliance_sole_provider_cities.sql:
-- the current terminated cases under the filters, their newest substitution record and the
-- statuses of the rules, and compliance_rows: the table's columns ($as_of: today). Included where
-- a query says so (query.load_sql).
terminated as not materialized (
    select *
    from case_facts c
    where c.is_terminated and {where}
),
latest_record as (
    select *
    from (
        select s.*, row_number() over (partition by s.case_key order by s.substitution_id desc) as newest
        from substitutions s
        where s.case_key in (select case_key from terminated)
    )
    where newest = 1
),
dated as (
    select
        t.*,
        r.exit_date as recorded_exit_date,
        coalesce(r.exit_date, t.finished_on) as exit_date,
        r.notice_date,
        r.notice_channels,
        r.substitute_cro,
        r.substitute_uf,
        r.substitute_city,
        r.substitute_ibge_code,
        r.substitute_name,
        r.source as record_source,
        r.entered_at as record_entered_at,
        (r.substitute_cro is not null or r.substitute_name is not null
            or r.substitute_city is not null) as has_substitute
    from terminated t
    left join latest_record r on r.case_key = t.case_key
),
statuses as (
    select
        *,
        exit_date - interval 30 day as notice_due,
        case
            when notice_date is null then 'sem_aviso'
            when notice_date <= exit_date - interval 30 day then 'no_prazo'
            else 'atrasado'
        end as notice_status,
        case
            when not has_substitute then 'sem_substituto'
            when substitute_uf = uf and substitute_ibge_code is not null and substitute_ibge_code = ibge_code
                then 'mesmo_municipio'
            else 'outro_municipio'
        end as substitute_status,
        (unique_cros_listed is not null and unique_cros_listed <= cros_at_stake) as sole_provider,
        notice_date + interval 180 day as publication_until
    from dated
),
compliance_rows as (
    select
        s.case_id,
        s.protocol_number,
        s.operator_key,
        s.operator,
        s.analyst_key,
        s.analyst,
        s.uf,
        s.city_name as city,
        s.lives,
        s.exit_date,
        cast(s.notice_due as date) as notice_due,
        s.notice_date,
        s.notice_status,
        s.notice_channels,
        cast(s.publication_until as date) as publication_until,
        s.substitute_status,
        s.substitute_cro,
        s.substitute_uf,
        s.substitute_city,
        s.substitute_name,
        s.sole_provider,
        case
            when s.exit_date is null then null
            -- the files carry no start date for the substitute: it starts the day its record was stored
            when s.substitute_status <> 'sem_substituto'
                then greatest(0, date_diff('day', s.exit_date, cast(s.record_entered_at as date)))
            else greatest(0, date_diff('day', s.exit_date, $as_of::date))
        end as days_without_substitute,
        case
            when s.notice_status <> 'sem_aviso' or s.exit_date is null then null
            else date_diff('day', $as_of::date, cast(s.notice_due as date))
        end as days_to_notice_due,
        s.record_source
    from statuses s
)
