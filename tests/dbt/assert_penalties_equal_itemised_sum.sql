-- Every point of penalty is explained: per fund and date, the uncapped penalty in
-- mart_etf_rankings equals the sum of its mart_etf_penalties rows.
with

itemised as (
    select
        as_of_date,
        ticker,
        sum(points) as total_points
    from {{ ref('mart_etf_penalties') }}
    group by as_of_date, ticker
),

rankings as (
    select
        as_of_date,
        ticker,
        penalty_points_uncapped
    from {{ ref('mart_etf_rankings') }}
)

select
    coalesce(rankings.as_of_date, itemised.as_of_date) as as_of_date,
    coalesce(rankings.ticker, itemised.ticker) as ticker,
    rankings.penalty_points_uncapped,
    itemised.total_points
from rankings
full outer join itemised
    on rankings.as_of_date = itemised.as_of_date and rankings.ticker = itemised.ticker
where coalesce(rankings.penalty_points_uncapped, -1) != coalesce(itemised.total_points, 0)
