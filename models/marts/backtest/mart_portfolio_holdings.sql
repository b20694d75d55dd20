{#-
    Target weights of every strategy at every monthly rebalance: computed at the close of
    rebalance_date (the signal date) and traded at the close of the next trading day.
-#}
with

holdings as (
    select * from {{ ref('portfolio_holdings') }}
),

sessions as (
    select
        price_date,
        lead(price_date) over (order by price_date) as next_session
    from {{ ref('int_trading_calendar') }}
    where is_trading_day
),

final as (
    select
        holdings.rebalance_date,
        holdings.strategy,
        holdings.ticker,
        holdings.target_weight,
        sessions.next_session as execution_date,
        holdings.method as construction_method,
        holdings.status as construction_status
    from holdings
    left outer join sessions
        on holdings.rebalance_date = sessions.price_date
)

select * from final
