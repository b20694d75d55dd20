{#-
    The published rankings on their latest as_of_date: today's list (published as
    mart_latest_rankings; the input of today's target portfolio, int_latest_signals). The one
    "latest date" rule.

    Each input is cut to that day before the joins (macros/scoring/etf_rankings_detailed.sql):
    a filter on the joined rows by a subquery's date read every row of every input (10,000
    funds: 14-19 s, a constant date 1.2 s; the day cut first, at 3,000 funds: 0.36 s).
-#}
with

latest_day as (
    select max(as_of_date) as as_of_date
    from {{ ref('int_etf_rankings') }}
)

select today.*
from {{ etf_rankings_detailed('latest_day') }} as today
