{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='price_date'
) }}
{#-
    Trading days. With the `exchange_calendar` var (an exchange_calendars code such as XASX or
    XNYS, see ref_exchange_sessions) a date is a trading day when it is a session of that
    exchange, and trading days are counted on the exchange's sessions, so a holiday is never a
    gap and a session with no row is one. Without it they are inferred from the data itself
    (works for any exchange and for the sample): a date is a trading day when at least
    `calendar_min_share` of the live tickers have a clean row on it. A ticker is live on a date
    when it has a row on it or in the previous 30 days, which depends only on rows dated on or
    before the date (point-in-time). Either way the table has one row per date with a clean
    price row; dates where only a few tickers have rows (a holiday with stray data) are kept,
    flagged not trading days.

    A live refresh computes only the dates on or after refresh_from. A ticker is live on such a
    date only through a row dated at most 30 days before it, so it reads the clean rows of the
    31 days before refresh_from and after; the count of trading days goes on from this table's
    last earlier date. The rows equal a full build's.
-#}
{%- set exchange_calendar = var('exchange_calendar', none) %}
{%- set refresh = is_incremental_refresh() and is_incremental() %}

with

cleaned as (
    select
        ticker,
        price_date
    from {{ ref('int_prices_cleaned') }}
    {{- live_since('price_date', '(' ~ live_refresh_from() ~ ' - interval 31 day)::date') }}
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
        >= {{ var('calendar_min_share') }} * live_counts.n_live_tickers as is_inferred_trading_day
    from rows_per_day
    asof left join live_counts
        on rows_per_day.price_date >= live_counts.event_date
    {{- live_tail('rows_per_day.price_date') }}
),
{%- if exchange_calendar is not none %}

-- the exchange's sessions, numbered: a session's number is the trading days to its date
sessions as (
    select
        session_date::date as session_date,
        row_number() over (order by session_date) as sessions_to_date
    from {{ ref('ref_exchange_sessions') }}
),

final as (
    select
        classified.price_date,
        classified.n_tickers_with_rows,
        classified.n_live_tickers,
        coalesce(classified.price_date = sessions.session_date, false) as is_trading_day,
        coalesce(sessions.sessions_to_date, 0)::bigint as trading_days_to_date
    from classified
    asof left join sessions
        on classified.price_date >= sessions.session_date
)
{%- else %}

trading_days_before as (
    {%- if refresh %}
    select coalesce(max(trading_days_to_date), 0) as n_days
    from {{ this }}
    where price_date < {{ live_refresh_from() }}
    {%- else %}
    select 0 as n_days
    {%- endif %}
),

final as (
    select
        classified.price_date,
        classified.n_tickers_with_rows,
        classified.n_live_tickers,
        classified.is_inferred_trading_day as is_trading_day,
        -- number of trading days on or before this date
        (
            trading_days_before.n_days
            + sum(classified.is_inferred_trading_day::int) over (
                order by classified.price_date
                rows between unbounded preceding and current row
            )
        )::bigint as trading_days_to_date
    from classified
    cross join trading_days_before
)
{%- endif %}

select
    price_date,
    is_trading_day,
    n_tickers_with_rows,
    n_live_tickers,
    trading_days_to_date
from final
