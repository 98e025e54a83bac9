-- Conformidade ANS's headline (docs/metrics.md): over the rows of compliance.sql, one row.
with {steps:compliance_steps}
select
    count(*) as terminations,
    count(*) filter (where substitute_status = 'mesmo_municipio') as with_substitute_same_city,
    count(*) filter (where notice_status = 'no_prazo') as notices_on_time,
    coalesce(sum(lives) filter (where substitute_status = 'sem_substituto'), 0) as lives_without_substitute,
    count(*) filter (where sole_provider) as sole_provider_terminations
from statuses
