-- Cities where a termination took the only listed provider (docs/metrics.md, Conformidade ANS),
-- most lives first: the lives are the largest stated by those terminations.
with {steps:compliance_steps},
sole as (
    select * from statuses where sole_provider
)
select
    uf,
    city_name as city,
    max(lives) as lives,
    count(*) as terminations,
    count(*) filter (where substitute_status = 'sem_substituto') as without_substitute
from sole
group by uf, city_name
order by lives desc nulls last, uf nulls last, city nulls last
