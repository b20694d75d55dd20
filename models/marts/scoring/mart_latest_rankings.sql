-- mart_etf_rankings on its latest as_of_date: today's list.
with

rankings as (
    select * from {{ ref('mart_etf_rankings') }}
),

latest as (
    select max(as_of_date) as as_of_date from rankings
)

select rankings.*
from rankings
inner join latest
    on rankings.as_of_date = latest.as_of_date
