{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='price_date'
) }}
{#-
    All point-in-time SQL features of a ticker on a date, one row per clean price row: the input
    of the scoring and forecasting models. A live refresh recomputes the rows dated on or after
    the new prices, its feature views reading only the trailing history they need.
-#}
with

prices as (
    select * from {{ ref('int_prices_adjusted') }}
    {{- live_tail('price_date') }}
),

momentum as (
    select * from {{ ref('int_momentum_computed') }}
),

volatility as (
    select * from {{ ref('int_volatility_computed') }}
),

drawdowns as (
    select * from {{ ref('int_drawdowns_computed') }}
),

liquidity as (
    select * from {{ ref('int_liquidity_computed') }}
),

final as (
    select
        -- keys
        prices.ticker,
        prices.price_date,
        prices.obs_index,
        -- prices and returns
        prices.close,
        prices.adj_close,
        prices.daily_return,
        prices.log_return,
        -- momentum
        momentum.momentum_1m,
        momentum.momentum_3m,
        momentum.momentum_6m,
        momentum.momentum_12m,
        momentum.momentum_12_1,
        -- risk
        volatility.realized_vol_1m_ann,
        volatility.realized_vol_3m_ann,
        volatility.realized_vol_12m_ann,
        volatility.downside_vol_3m_ann,
        drawdowns.drawdown,
        drawdowns.max_drawdown_12m,
        -- liquidity
        liquidity.adv_1m_units,
        liquidity.adv_3m_units,
        liquidity.traded_value_1m,
        liquidity.traded_value_3m,
        liquidity.amihud_illiquidity_3m,
        liquidity.volume_trend,
        liquidity.zero_volume_share_3m,
        liquidity.stale_share_3m,
        -- data flags
        prices.is_stale,
        prices.has_detected_action,
        prices.sessions_missing_before
    from prices
    inner join momentum
        on prices.ticker = momentum.ticker and prices.price_date = momentum.price_date
    inner join volatility
        on prices.ticker = volatility.ticker and prices.price_date = volatility.price_date
    inner join drawdowns
        on prices.ticker = drawdowns.ticker and prices.price_date = drawdowns.price_date
    inner join liquidity
        on prices.ticker = liquidity.ticker and prices.price_date = liquidity.price_date
)

select * from final
{{ live_tail('price_date') }}
