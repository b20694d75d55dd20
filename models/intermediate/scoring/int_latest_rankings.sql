{#-
    int_etf_rankings on its latest as_of_date: today's list (published as mart_latest_rankings;
    the input of today's target portfolio, int_latest_signals). The one "latest date" rule.
-#}
with

rankings as (
    select * from {{ ref('int_etf_rankings') }}
),

latest as (
    select max(as_of_date) as as_of_date from rankings
)

select rankings.*
from rankings
inner join latest
    on rankings.as_of_date = latest.as_of_date
