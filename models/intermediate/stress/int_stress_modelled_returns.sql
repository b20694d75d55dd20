{#-
    Every fund's modelled return in every stress scenario, before the fallbacks of
    mart_stress_tests (which picks, per fund, own history first, then the factor model, then
    the analogues of int_stress_analogues). One row per scenario, ticker and method:
      own_history   historical scenarios: its total return (adjusted closes) from the close of
                    start_date to the close of end_date, when it traded within a week of both
                    ends of the window; every fund in the data, delisted ones included;
      factor_model  historical: its latest significant loadings (|t| >= `stress_min_abs_t`)
                    times the factors' returns over the window, compounded per period, plus the
                    risk-free return (no alpha), when the factor data covers the window;
                    hypothetical: the loadings times the factor shocks (stress_factor_shocks,
                    an instantaneous move, no compounding), floored at -1.
    Sums over factors and dates add in a fixed order (ordered_sum): rebuilds give the same bits.
-#}

with

scenarios as (
    select * from {{ ref('stress_scenarios') }}
),

prices as (
    select
        price_date as date,
        ticker,
        adj_close
    from {{ ref('int_prices_adjusted') }}
),

loadings as (
    -- each fund's latest regression, significant loadings only (|t| >= stress_min_abs_t)
    select * from {{ ref('factor_loadings') }}
    where factor != 'alpha' and abs(t_stat) >= {{ var('stress_min_abs_t') }}
    qualify as_of_date = max(as_of_date) over (partition by ticker)
),

factor_returns as (
    select * from {{ ref('int_factor_returns') }}
),

factor_span as (
    select
        min(period_date) as first_period,
        max(period_date) as last_period
    from factor_returns
),

risk_free as (
    select * from {{ ref('int_risk_free_daily') }}
),

shocks as (
    select * from {{ ref('stress_factor_shocks') }}
),

-- historical: own history of every fund in the data (the analogue pool includes delisted ones)
fund_windows as (
    select
        scenarios.scenario,
        scenarios.start_date,
        scenarios.end_date,
        prices.ticker,
        max(prices.date) filter (where prices.date <= scenarios.start_date) as base_date,
        arg_max(prices.adj_close, prices.date) filter (where prices.date <= scenarios.start_date)
            as base_close,
        max(prices.date) as last_date,
        arg_max(prices.adj_close, prices.date) as last_close
    from scenarios
    inner join prices
        on scenarios.end_date >= prices.date
    where scenarios.scenario_type = 'historical'
    group by scenarios.scenario, scenarios.start_date, scenarios.end_date, prices.ticker
),

own_history as (
    -- traded within a week of both ends of the window
    select
        scenario,
        ticker,
        last_close / base_close - 1.0 as shocked_return
    from fund_windows
    where
        base_date >= start_date - 7
        and last_date >= end_date - 7
        and base_close > 0
),

model_periods as (
    select
        scenarios.scenario,
        loadings.ticker,
        factor_returns.period_date,
        {{ ordered_sum('loadings.loading * factor_returns.factor_return', 'loadings.factor') }}
            as systematic_return
    from scenarios
    cross join factor_span
    inner join factor_returns
        on
            scenarios.start_date < factor_returns.period_date
            and scenarios.end_date >= factor_returns.period_date
    inner join loadings
        on factor_returns.factor = loadings.factor
    where
        scenarios.scenario_type = 'historical'
        and factor_span.first_period <= scenarios.start_date
        and factor_span.last_period >= scenarios.end_date
    group by scenarios.scenario, loadings.ticker, factor_returns.period_date
),

window_risk_free as (
    select
        scenarios.scenario,
        {{ ordered_sum('ln(1.0 + risk_free.daily_rf)', 'risk_free.date') }} as log_risk_free
    from scenarios
    inner join risk_free
        on scenarios.start_date < risk_free.date and scenarios.end_date >= risk_free.date
    group by scenarios.scenario
),

factor_model_history as (
    select
        model_periods.scenario,
        model_periods.ticker,
        exp(
            {{ ordered_sum(
                'ln(greatest(1.0 + model_periods.systematic_return, 0.01))',
                'model_periods.period_date'
            ) }}
            + coalesce(any_value(window_risk_free.log_risk_free), 0.0)
        ) - 1.0 as shocked_return
    from model_periods
    left outer join window_risk_free
        on model_periods.scenario = window_risk_free.scenario
    group by model_periods.scenario, model_periods.ticker
),

-- hypothetical: loadings x shocks
factor_model_hypothetical as (
    select
        shocks.scenario,
        loadings.ticker,
        greatest(
            -1.0, {{ ordered_sum('loadings.loading * shocks.shock', 'loadings.factor') }}
        ) as shocked_return
    from shocks
    inner join loadings
        on shocks.factor = loadings.factor
    group by shocks.scenario, loadings.ticker
),

final as (
    select
        scenario,
        ticker,
        shocked_return,
        'own_history' as method
    from own_history
    union all
    select
        scenario,
        ticker,
        shocked_return,
        'factor_model' as method
    from factor_model_history
    union all
    select
        scenario,
        ticker,
        shocked_return,
        'factor_model' as method
    from factor_model_hypothetical
)

select * from final
