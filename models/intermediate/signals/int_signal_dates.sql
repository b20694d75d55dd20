{#-
    The monthly signal dates the diagnostics judge: the first trading day of each month with a
    clean price row, with its session number (int_trading_calendar.trading_days_to_date) and
    the market regime that day. The backtest rebalances on the first day of a month with
    eligible funds (int_backtest_signals), which is this day whenever anyone is eligible on it.
-#}

with

sessions as (
    select
        price_date as session_date,
        trading_days_to_date as session_number
    from {{ ref('int_trading_calendar') }}
    where is_trading_day
),

final as (
    select
        min(session_date) as signal_date,
        min(session_number) as session_number
    from sessions
    group by date_trunc('month', session_date)
)

select * from final
