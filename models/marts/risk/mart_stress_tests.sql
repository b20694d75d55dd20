{#-
    Stress scenarios (seeds stress_scenarios, stress_shocks) replayed on today's eligible funds
    and on today's target portfolio (latest_targets, the trade list's destination).

    Historical scenario, per fund, the first that is available:
      own_history          its total return (adjusted closes) from the close of start_date
                           to the close of end_date, when it traded through the window;
      factor_model         its latest factor loadings times the factors' returns over the
                           window, compounded per period, plus the risk-free return (no alpha),
                           when the factor data covers the window;
      asset_class_analogue the median own-history return of the funds of its sub-class (else
                           asset class) that traded through the window, delisted ones included
                           (at least two of them).
    Hypothetical scenario: its latest loadings times the factor shocks (stress_factor_shocks,
    an instantaneous move, no compounding), floored at -1 (a fund cannot lose more than
    everything, whatever a linear model extrapolates); without loadings, the median of the
    funds of its sub-class (else asset class) that have them.
    Only loadings with |t| >= `stress_min_abs_t` (2) are used: a shock many standard deviations
    of a quiet factor away (credit spreads +300 bp) would otherwise turn the estimation noise
    of loadings that are really zero into returns of several percent.
    Neither: shocked_return null, method not_available (e.g. real files end before 2020, and
    have no FX factor for aud_down_15).

    The portfolio row (ticker null): sum of target weight x the fund's shocked return; null
    unless every holding has one. Cash (1 - sum of weights) returns 0.
    Sums over factors, dates and holdings add in a fixed order (ordered_sum), so rebuilds of the
    same data give the same bits.
-#}

with

scenarios as (
    select * from {{ ref('stress_scenarios') }}
),

today as (
    select
        as_of_date,
        ticker
    from {{ ref('mart_latest_rankings') }}
    where is_eligible
),

as_of as (
    select max(as_of_date) as as_of_date from {{ ref('mart_latest_rankings') }}
),

etfs as (
    select
        ticker,
        asset_class,
        sub_class
    from {{ ref('dim_etfs') }}
),

prices as (
    select
        date,
        ticker,
        adj_close
    from {{ ref('fct_daily_prices') }}
),

loadings as (
    -- each fund's latest regression, significant loadings only (|t| >= stress_min_abs_t)
    select * from {{ ref('factor_loadings') }}
    where factor != 'alpha' and abs(t_stat) >= {{ var('stress_min_abs_t') }}
    qualify as_of_date = max(as_of_date) over (partition by ticker)
),

loadings_dates as (
    select
        ticker,
        max(as_of_date) as loadings_as_of_date
    from {{ ref('factor_loadings') }}
    group by ticker
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

targets as (
    select
        ticker,
        target_weight
    from {{ ref('latest_targets') }}
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

modelled as (
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
),

analogue_pool as (
    -- historical: any fund's own history; hypothetical: any fund's factor-model return
    select
        modelled.scenario,
        etfs.asset_class,
        etfs.sub_class,
        modelled.shocked_return
    from modelled
    inner join etfs
        on modelled.ticker = etfs.ticker
    where modelled.method = 'own_history'
    union all
    select
        modelled.scenario,
        etfs.asset_class,
        etfs.sub_class,
        modelled.shocked_return
    from modelled
    inner join etfs
        on modelled.ticker = etfs.ticker
    where
        modelled.method = 'factor_model'
        and modelled.scenario in (select shocks.scenario from shocks)
),

sub_class_analogues as (
    select
        scenario,
        asset_class,
        sub_class,
        median(shocked_return) as shocked_return
    from analogue_pool
    group by scenario, asset_class, sub_class
    having count(*) >= 2
),

asset_class_analogues as (
    select
        scenario,
        asset_class,
        median(shocked_return) as shocked_return
    from analogue_pool
    group by scenario, asset_class
    having count(*) >= 2
),

best_modelled as (
    -- own history first, then the factor model
    select * from modelled
    qualify row_number() over (
            partition by scenario, ticker
            order by case method when 'own_history' then 1 else 2 end
        ) = 1
),

fund_rows as (
    select
        today.as_of_date,
        scenarios.scenario,
        scenarios.scenario_type,
        today.ticker,
        coalesce(
            best_modelled.shocked_return,
            sub_class_analogues.shocked_return,
            asset_class_analogues.shocked_return
        ) as shocked_return,
        case
            when best_modelled.shocked_return is not null then best_modelled.method
            when
                coalesce(sub_class_analogues.shocked_return, asset_class_analogues.shocked_return)
                is not null
                then 'asset_class_analogue'
            else 'not_available'
        end as method,
        targets.target_weight as portfolio_weight,
        case
            when best_modelled.method = 'factor_model' then loadings_dates.loadings_as_of_date
        end as loadings_as_of_date
    from today
    cross join scenarios
    inner join etfs
        on today.ticker = etfs.ticker
    left outer join best_modelled
        on scenarios.scenario = best_modelled.scenario and today.ticker = best_modelled.ticker
    left outer join sub_class_analogues
        on
            scenarios.scenario = sub_class_analogues.scenario
            and etfs.asset_class = sub_class_analogues.asset_class
            and etfs.sub_class = sub_class_analogues.sub_class
    left outer join asset_class_analogues
        on
            scenarios.scenario = asset_class_analogues.scenario
            and etfs.asset_class = asset_class_analogues.asset_class
    left outer join targets
        on today.ticker = targets.ticker
    left outer join loadings_dates
        on today.ticker = loadings_dates.ticker
),

portfolio_rows as (
    select
        as_of.as_of_date,
        scenarios.scenario,
        scenarios.scenario_type,
        null::varchar as ticker,
        case
            when count(*) filter (where fund_rows.shocked_return is null) = 0
                then coalesce({{ ordered_sum(
                    'targets.target_weight * fund_rows.shocked_return', 'targets.ticker'
                ) }}, 0.0)
        end as shocked_return,
        'portfolio' as method,
        coalesce(
            {{ ordered_sum('targets.target_weight', 'targets.ticker') }}, 0.0
        ) as portfolio_weight,
        coalesce(
            {{ ordered_sum(
                'case when fund_rows.shocked_return is not null then targets.target_weight end',
                'targets.ticker'
            ) }},
            0.0
        ) as weight_covered
    from scenarios
    cross join as_of
    left outer join targets
        on true
    left outer join fund_rows
        on scenarios.scenario = fund_rows.scenario and targets.ticker = fund_rows.ticker
    -- nothing scored yet (a tiny or short universe): no portfolio to stress
    where as_of.as_of_date is not null
    group by as_of.as_of_date, scenarios.scenario, scenarios.scenario_type
),

final as (
    select
        fund_rows.as_of_date,
        fund_rows.scenario,
        fund_rows.scenario_type,
        fund_rows.ticker,
        fund_rows.shocked_return,
        fund_rows.method,
        fund_rows.portfolio_weight,
        null::double as weight_covered,
        fund_rows.loadings_as_of_date,
        scenarios.start_date,
        scenarios.end_date,
        scenarios.description
    from fund_rows
    inner join scenarios
        on fund_rows.scenario = scenarios.scenario
    union all
    select
        portfolio_rows.as_of_date,
        portfolio_rows.scenario,
        portfolio_rows.scenario_type,
        portfolio_rows.ticker,
        portfolio_rows.shocked_return,
        portfolio_rows.method,
        portfolio_rows.portfolio_weight,
        portfolio_rows.weight_covered,
        null::date as loadings_as_of_date,
        scenarios.start_date,
        scenarios.end_date,
        scenarios.description
    from portfolio_rows
    inner join scenarios
        on portfolio_rows.scenario = scenarios.scenario
)

select * from final
