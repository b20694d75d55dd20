-- Nothing is lost on the way to the published row: mart_etf_rankings holds one row per row of
-- int_etf_rankings (its joins are one to one), however many batches wrote it
-- (macros/helpers/build_batches.sql). Per day, so a missing range of days is named.
with

ranked as (
    select
        as_of_date,
        count(*) as n_ranked
    from {{ ref('int_etf_rankings') }}
    group by as_of_date
),

published as (
    select
        as_of_date,
        count(*) as n_published
    from {{ ref('mart_etf_rankings') }}
    group by as_of_date
)

select
    coalesce(ranked.as_of_date, published.as_of_date) as as_of_date,
    coalesce(ranked.n_ranked, 0) as n_ranked,
    coalesce(published.n_published, 0) as n_published
from ranked
full outer join published
    on ranked.as_of_date = published.as_of_date
where coalesce(ranked.n_ranked, 0) != coalesce(published.n_published, 0)
