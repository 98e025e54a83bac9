-- Open cases by age ($as_of − reference date) in the bands of metrics.md; a case dated after
-- $as_of counts as 0–30; open cases without any date are counted apart as 'sem data'.
with filtered as not materialized (
    select *
    from case_facts c
    where {where}
),
open_cases as (
    select date_diff('day', reference_date, $as_of::date) as age
    from filtered
    where not is_closed
),
bands as (
    select *
    from (
        values
            ('0–30', 1, 0, 30),
            ('31–60', 2, 31, 60),
            ('61–90', 3, 61, 90),
            ('91–180', 4, 91, 180),
            ('>180', 5, 181, null),
            ('sem data', 6, null, null)
    ) b(band, band_order, min_days, max_days)
),
banded as (
    select
        case
            when age is null then 'sem data'
            when age <= 30 then '0–30'
            when age <= 60 then '31–60'
            when age <= 90 then '61–90'
            when age <= 180 then '91–180'
            else '>180'
        end as band
    from open_cases
),
counted as (
    select band, count(*) as cases
    from banded
    group by band
)
select b.band, b.band_order, b.min_days, b.max_days, coalesce(counted.cases, 0) as cases
from bands b
left join counted on counted.band = b.band
where b.band <> 'sem data' or counted.cases > 0
order by b.band_order
