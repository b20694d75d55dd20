{#-
    Walk-forward out-of-sample windows: one per calendar month of each strategy's backtest. In
    each, the models (GARCH refits, forecasters) and the portfolio use only data before the
    window starts; train_start..train_end is the forecaster's training span (its last
    `forecast_max_train_months` of labels), test_start..test_end the month traded on those
    decisions. Returns are compounded over the window's trading days, in exact fixed point.
-#}

with

daily as (
    -- each backtest's first row is its start (the first signal day, all cash): not a test day
    select
        strategy,
        date,
        net_return,
        date_trunc('month', date)::date as month_start,
        {{ fixed_point('ln(1 + net_return)', '1e15') }} as log_return_fp
    from {{ ref('backtest_daily') }}
    qualify row_number() over (partition by strategy order by date) > 1
),

sessions as (
    select price_date from {{ ref('int_trading_calendar') }}
    where is_trading_day
),

first_price as (
    select min(date) as data_start from {{ ref('fct_daily_prices') }}
),

windows as (
    select
        strategy,
        month_start,
        min(date) as test_start,
        max(date) as test_end,
        exp(sum(log_return_fp)::double / 1e15) - 1 as net_return
    from daily
    group by strategy, month_start
),

benchmark as (
    select
        month_start,
        net_return as benchmark_return
    from windows
    where strategy = {{ backtest_benchmark() }}
),

with_training as (
    select
        windows.*,
        previous_session.price_date as train_end
    from windows
    asof left outer join sessions as previous_session
        on windows.test_start > previous_session.price_date
),

final as (
    select
        with_training.strategy,
        row_number() over (
            partition by with_training.strategy order by with_training.month_start
        ) as window_id,
        greatest(
            first_price.data_start,
            (
                with_training.test_start
                - interval {{ var('forecast_max_train_months') }} month
            )::date
        ) as train_start,
        with_training.train_end,
        with_training.test_start,
        with_training.test_end,
        with_training.net_return,
        benchmark.benchmark_return
    from with_training
    cross join first_price
    left outer join benchmark
        on with_training.month_start = benchmark.month_start
)

select * from final
