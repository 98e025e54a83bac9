-- How many filtered current cases leave each header field of the form blank (one wide row; the
-- caller turns it into one row per field). The fields are those of case_facts.blank_fields.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
)
select
    count(*) as cases,
    -- one column per field of blank_fields (views.sql), named after it: how many left it blank
    coalesce(sum(columns(blank_fields.*)::integer), 0)::bigint
from filtered
