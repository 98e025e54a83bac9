-- Conformidade ANS (docs/metrics.md): one row per current terminated case under the filters,
-- with its newest substitution record and the statuses of the rules. $as_of: today; $limit:
-- the first rows only (null: all), from row $offset on (0: the first; a page of the list).
with {steps:compliance_steps}
select *
from compliance_rows
order by exit_date nulls last, protocol_number nulls last, case_id
limit $limit
offset $offset
