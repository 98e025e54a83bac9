-- How many terminations under the filters still miss a notice or a substitute (the rows of
-- work_queue_terminations.sql, counted). $as_of: today.
with {steps:compliance_steps}
select count(*) as pending
from compliance_rows
where notice_status = 'sem_aviso' or substitute_status = 'sem_substituto'
