{#-
    Walk-forward out-of-sample windows: one per calendar month of each strategy's backtest. In
    each, the models (GARCH refits, forecasters) and the portfolio use only data before the
    window starts (decided_on, the signal date); train_start..train_end is what the forecaster
    in use that day learnt from: its first training month-start and the date its last label
    became known (about horizon + embargo sessions before its retrain), test_start..test_end
    the month traded on those decisions. Returns are compounded over the window's trading
    days, in exact fixed point.
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

models_in_use as (
    -- one model per date: the retrain in use, and the span it learnt from
    select
        price_date,
        min(train_start) as train_start,
        max(train_label_end) as train_label_end
    from {{ ref('ml_forecasts') }}
    group by price_date
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

with_decision as (
    select
        windows.*,
        previous_session.price_date as decided_on
    from windows
    asof left outer join sessions as previous_session
        on windows.test_start > previous_session.price_date
),

with_training as (
    select
        with_decision.*,
        models_in_use.train_start as model_train_start,
        models_in_use.train_label_end
    from with_decision
    left outer join models_in_use
        on with_decision.decided_on = models_in_use.price_date
),

final as (
    select
        with_training.strategy,
        row_number() over (
            partition by with_training.strategy order by with_training.month_start
        ) as window_id,
        -- no forecaster on the decision day (before the first model): the data the
        -- portfolio could have used, the last forecast_max_train_months before the decision
        coalesce(
            with_training.model_train_start,
            greatest(
                first_price.data_start,
                (
                    with_training.test_start
                    - interval {{ var('forecast_max_train_months') }} month
                )::date
            )
        ) as train_start,
        coalesce(with_training.train_label_end, with_training.decided_on) as train_end,
        with_training.decided_on,
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
