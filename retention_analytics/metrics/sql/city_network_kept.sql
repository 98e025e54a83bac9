-- A step shared by coverage_city.sql and kpis_delta.sql (each includes it as steps, query.load_sql):
-- `kept`, the rows of the network the store keeps per operator, UF and city (views.sql,
-- city_network) under every filter but the period, when $network_kept (summaries._network_kept:
-- the filters name only operators, UFs and cities); otherwise no rows, folded away by DuckDB.
kept as not materialized (
    select *
    -- the columns the other filters name, absent from the network: the fragment must bind even
    -- when this way is not taken (then it is folded away; when taken, no such filter is set)
    from (select *, null::varchar as analyst_key, null::varchar as requested_by, null::boolean as is_closed,
              null::varchar as outcome
          from city_network) c
    where $network_kept and {where_all_periods}
)
