-- The name shown for each operator and analyst key: views.sql's spelling used most often, so a
-- name written "FÁBIO NOGUEIRA PRATES" on one form and "Fábio Nogueira Prates" on another is one
-- name on screen (summaries._shown_names puts it on the rows of a list).
select 'operator' as kind, operator_key as key, operator_name as name
from operator_names
union all
select 'analyst' as kind, analyst_key as key, analyst_name as name
from analyst_names
