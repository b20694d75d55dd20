-- The suggested position sizes of a day's eligible funds add up to a whole portfolio.
select
    as_of_date,
    sum(position_size) as total_size
from {{ ref('mart_etf_rankings') }}
where is_eligible
group by as_of_date
having abs(sum(position_size) - 1) > 1e-9
