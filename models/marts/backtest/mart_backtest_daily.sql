{#-
    Each strategy's simulated NAV and its daily returns, costs, turnover and drawdown.
-#}
with

daily as (
    select * from {{ ref('backtest_daily') }}
),

benchmark as (
    select
        date,
        nav as benchmark_nav
    from daily
    where strategy = {{ backtest_benchmark() }}
),

final as (
    select
        daily.strategy,
        daily.date,
        daily.nav,
        daily.gross_return,
        daily.net_return,
        daily.cost,
        daily.turnover,
        daily.drawdown,
        daily.n_positions,
        daily.cash_weight,
        daily.n_delisting_sales,
        benchmark.benchmark_nav
    from daily
    left outer join benchmark
        on daily.date = benchmark.date
)

select * from final
