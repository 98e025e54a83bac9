-- Sidebar choices among the cases this user may see: one row per (kind, value) with its label and
-- number of cases, by views.sql's sidebar_choices_of. $everyone (the user may see every
-- operator): the copy the store keeps of it; otherwise over the operators in $allowed only (an
-- empty list: none). summaries.filter_options sets both from the access restriction.
select kind, value, label, uf, cases
from sidebar_choices
where $everyone
union all
select kind, value, label, uf, cases
from sidebar_choices_of($allowed::varchar[])
where not $everyone
order by kind, label
