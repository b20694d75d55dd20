-- Scores must discriminate: on every date, no 20-point band of composite_score ([0, 20),
-- [20, 40), ... [80, 100]) holds more than 40 % of the eligible funds (the seed system had
-- 95.5 % of funds between 20 and 40).
with

bands as (
    select
        as_of_date,
        any_value(n_eligible) as n_eligible,
        least(floor(composite_score / 20), 4) as band,
        count(*) as n_in_band
    from {{ ref('mart_etf_rankings') }}
    where is_eligible
    group by as_of_date, least(floor(composite_score / 20), 4)
)

select * from bands
where n_in_band > 0.4 * n_eligible
