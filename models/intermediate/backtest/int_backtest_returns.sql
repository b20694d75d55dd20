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

returns as not materialized (
    -- inlined: read three times below, each a scan and a join with the calendar
    select
        prices.ticker,
        prices.daily_return,
        calendar.trading_days_to_date
        + case when calendar.is_trading_day then 0 else 1 end as session_number,
        calendar.is_trading_day is not true as is_off_session
    from {{ ref('int_prices_adjusted') }} as prices
    inner join calendar
        on prices.price_date = calendar.price_date
    where prices.daily_return is not null
),

-- A fund's session has several rows only where a row off the sessions joins it: those few
-- are compounded; every other row is its session's only one. Grouping every row (a view, read
-- by five models and two tests) cost 2-4 CPU-seconds a read at 3,000 funds, this 0.5.
merged_sessions as (
    select distinct
        ticker,
        session_number
    from returns
    where is_off_session
),

compounded as (
    select
        returns.ticker,
        returns.session_number,
        product(1 + returns.daily_return) - 1 as daily_return
    from returns
    semi join merged_sessions
        on
            returns.ticker = merged_sessions.ticker
            and returns.session_number = merged_sessions.session_number
    group by returns.ticker, returns.session_number
),

single_rows as (
    select
        returns.ticker,
        returns.session_number,
        -- what the product of the one row gives, to the bit
        (1 + returns.daily_return) - 1 as daily_return
    from returns
    anti join merged_sessions
        on
            returns.ticker = merged_sessions.ticker
            and returns.session_number = merged_sessions.session_number
),

final as (
    select
        session_returns.ticker,
        sessions.session_date as date,
        session_returns.daily_return
    from (
        select * from compounded
        union all
        select * from single_rows
    ) as session_returns
    inner join sessions
        on session_returns.session_number = sessions.trading_days_to_date
)

select * from final
