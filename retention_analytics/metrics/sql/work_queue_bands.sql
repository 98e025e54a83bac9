-- The work queue counted by SLA band (docs/metrics.md, "Work queue"): per band (0–30, 31–60, 61–90,
-- > 90 days, then "sem data" for open cases without any date), its open cases and how many are
-- within $soon days of the next band. Only bands with cases.
with {steps:work_queue_steps}
select
    band_order,
    case band_order when 1 then '0–30' when 2 then '31–60' when 3 then '61–90' when 4 then '> 90' else 'sem data' end
        as band,
    count(*) as cases,
    count(*) filter (where days_to_next_band <= $soon) as about_to_cross
from next_band
group by band_order
order by band_order nulls last
