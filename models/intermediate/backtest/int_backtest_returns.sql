{#-
    Each fund's total return per trading session, the backtest's calendar: a row dated on a day
    that is not a trading day (stray data on a holiday) is compounded into the fund's next
    session, so no return is lost and trades only ever happen on trading days.
-#}

with

calendar as (
    select
        price_date,
        is_trading_day,
        trading_days_to_date
    from {{ ref('int_trading_calendar') }}
),

sessions as (
    select
        price_date as session_date,
        trading_days_to_date
    from calendar
    where is_trading_day
),

returns as (
    select
        prices.ticker,
        prices.daily_return,
        calendar.trading_days_to_date
        + case when calendar.is_trading_day then 0 else 1 end as session_number
    from {{ ref('int_prices_adjusted') }} as prices
    inner join calendar
        on prices.price_date = calendar.price_date
    where prices.daily_return is not null
),

final as (
    select
        returns.ticker,
        sessions.session_date as date,
        product(1 + returns.daily_return) - 1 as daily_return
    from returns
    inner join sessions
        on returns.session_number = sessions.trading_days_to_date
    group by returns.ticker, sessions.session_date
)

select * from final
