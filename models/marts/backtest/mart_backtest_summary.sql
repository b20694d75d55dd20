{#-
    One row per strategy: performance after costs, and whether it is more than luck.
    survivorship_bias_ann is filled on the survivors-only strategies: their CAGR minus that of
    the same construction on the full universe (funds that later delisted included), i.e. what
    a backtest on today's survivors overstates per year.
    market_context_effect_ann and market_context_sharpe_effect are filled on the composite
    row: its CAGR and Sharpe minus those of composite_without_market_context (the same system
    ranked without the macro/geo multipliers), i.e. what the market context adds.
-#}

with

statistics as (
    select * from {{ ref('backtest_statistics') }}
),

windows as (
    select
        strategy,
        count(*) as n_windows
    from {{ ref('mart_backtest_windows') }}
    group by strategy
),

benchmark as (
    select cagr as benchmark_cagr from statistics
    where strategy = {{ backtest_benchmark() }}
),

without_context as (
    select
        cagr as without_context_cagr,
        sharpe as without_context_sharpe
    from statistics
    where strategy = {{ backtest_without_context_strategy() }}
),

full_universe as (
    select
        strategy,
        cagr as full_universe_cagr
    from statistics
),

final as (
    select
        statistics.strategy,
        statistics.start_date,
        statistics.end_date,
        coalesce(windows.n_windows, 0) as n_windows,
        statistics.cagr,
        statistics.ann_vol,
        statistics.sharpe,
        statistics.sortino,
        statistics.max_drawdown,
        statistics.annual_turnover,
        statistics.annual_cost_drag,
        statistics.psr,
        statistics.dsr,
        statistics.n_trials,
        statistics.spa_pvalue,
        statistics.spa_family_pvalue,
        statistics.n_trials_effective,
        statistics.trial_correlation,
        statistics.dsr_trial_variance,
        statistics.cagr - benchmark.benchmark_cagr as excess_cagr_vs_benchmark,
        statistics.cagr - full_universe.full_universe_cagr as survivorship_bias_ann,
        case
            when statistics.strategy = {{ backtest_system_strategy() }}
                then statistics.cagr - without_context.without_context_cagr
        end as market_context_effect_ann,
        case
            when statistics.strategy = {{ backtest_system_strategy() }}
                then statistics.sharpe - without_context.without_context_sharpe
        end as market_context_sharpe_effect,
        statistics.sharpe_per_period,
        statistics.skewness,
        statistics.kurtosis,
        statistics.dsr_sharpe_star,
        statistics.n_days
    from statistics
    cross join benchmark
    left outer join windows
        on statistics.strategy = windows.strategy
    left outer join without_context
        on true
    left outer join full_universe
        on statistics.strategy = full_universe.strategy || {{ backtest_survivors_only_suffix() }}
)

select * from final
