{#-
    int_etf_rankings on its latest as_of_date: today's list (published as mart_latest_rankings;
    the input of today's target portfolio, int_latest_signals). The one "latest date" rule.

    A filter by the latest date, not a join to it: DuckDB prunes the table's row groups by the
    filter's value and reads one day's rows, where the join read every column of every day
    (3.4 s at 3,000 funds against 0.02 s).
-#}
with

rankings as (
    select * from {{ ref('int_etf_rankings') }}
)

select today.*
from rankings as today
where today.as_of_date = (select max(every_day.as_of_date) from rankings as every_day)
