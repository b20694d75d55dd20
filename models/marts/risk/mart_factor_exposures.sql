{#-
    Factor exposures, point-in-time, on the first trading day of every month:

    - one row per fund and factor (exposure_level = 'etf'): the rolling OLS loading of the
      fund's excess returns on the factor, its Newey-West t-stat and the regression's R^2
      (factor_loadings; etf_warehouse/risk/factors.py);
    - one row per strategy and factor (exposure_level = 'portfolio', ticker null): the
      holdings-weighted loading of each backtested strategy's target portfolio set that day
      (mart_portfolio_holdings), sum of weight x fund loading over the funds with a loading
      (added in ticker order, so rebuilds give the same bits);
      `weight_covered` says how much of the portfolio that is (cash has no exposure).
-#}

with

loadings as (
    select * from {{ ref('factor_loadings') }}
),

holdings as (
    select
        rebalance_date,
        strategy,
        ticker,
        target_weight
    from {{ ref('mart_portfolio_holdings') }}
),

fund_rows as (
    select
        as_of_date,
        'etf' as exposure_level,
        ticker,
        null::varchar as strategy,
        factor,
        frequency,
        loading,
        std_error,
        t_stat,
        r_squared,
        n_obs,
        window_start,
        window_end,
        null::double as weight_covered
    from loadings
),

portfolio_rows as (
    select
        holdings.rebalance_date as as_of_date,
        'portfolio' as exposure_level,
        null::varchar as ticker,
        holdings.strategy,
        loadings.factor,
        any_value(loadings.frequency) as frequency,
        {{ ordered_sum('holdings.target_weight * loadings.loading', 'holdings.ticker') }}
            as loading,
        null::double as std_error,
        null::double as t_stat,
        null::double as r_squared,
        null::bigint as n_obs,
        min(loadings.window_start) as window_start,
        max(loadings.window_end) as window_end,
        {{ ordered_sum('holdings.target_weight', 'holdings.ticker') }} as weight_covered
    from holdings
    inner join loadings
        on holdings.rebalance_date = loadings.as_of_date and holdings.ticker = loadings.ticker
    group by holdings.rebalance_date, holdings.strategy, loadings.factor
),

final as (
    select * from fund_rows
    union all
    select * from portfolio_rows
)

select * from final
