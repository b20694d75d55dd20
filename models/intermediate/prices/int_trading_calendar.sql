{{ config(materialized='table') }}
{#-
    Trading days, inferred from the data itself (works for any exchange and for the sample): a
    date is a trading day when at least `calendar_min_share` of the live tickers have a clean row
    on it. A ticker is live on a date when it has a row on it or in the previous 30 days, which
    depends only on rows dated on or before the date (point-in-time). Dates where only a few
    tickers have rows (a holiday with stray data) are kept, flagged not trading days.
-#}

with

cleaned as (
    select
        ticker,
        price_date
    from {{ ref('int_prices_cleaned') }}
),

rows_per_day as (
    select
        price_date,
        count(*) as n_tickers_with_rows
    from cleaned
    group by price_date
),

-- each row makes its ticker live from its date until its next row or for 31 days, whichever
-- comes first (end exclusive)
live_spans as (
    select
        price_date as span_start,
        least(
            coalesce(lead(price_date) over by_ticker, price_date + interval 31 day),
            price_date + interval 31 day
        )::date as span_end
    from cleaned
    window by_ticker as (partition by ticker order by price_date)
),

span_events as (
    select
        span_start as event_date,
        1 as delta
    from live_spans
    union all
    select
        span_end as event_date,
        -1 as delta
    from live_spans
),

live_counts as (
    select
        event_date,
        sum(sum(delta)) over (order by event_date) as n_live_tickers
    from span_events
    group by event_date
),

classified as (
    select
        rows_per_day.price_date,
        rows_per_day.n_tickers_with_rows,
        live_counts.n_live_tickers,
        rows_per_day.n_tickers_with_rows
        >= {{ var('calendar_min_share') }} * live_counts.n_live_tickers as is_trading_day
    from rows_per_day
    asof left join live_counts
        on rows_per_day.price_date >= live_counts.event_date
),

final as (
    select
        price_date,
        is_trading_day,
        n_tickers_with_rows,
        n_live_tickers,
        -- number of trading days on or before this date
        (
            sum(is_trading_day::int) over (
                order by price_date rows between unbounded preceding and current row
            )
        )::bigint as trading_days_to_date
    from classified
)

select * from final
