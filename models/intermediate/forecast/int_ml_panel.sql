{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='price_date'
) }}
{#-
    The forecasting panel: one row per fund and date once the fund has `min_history_sessions`
    returns, with

    - features: point-in-time SQL features, GARCH volatility and Kalman beta, each turned into
      its cross-sectional percentile rank that day, centred on zero (-0.5 .. 0.5);
    - the label: the fund's return over the next `forecast_horizon` (21) rows minus the mean of
      that return across the funds of the same date (a relative return, decimal), and
      `label_available_date`, the date of the last price any of that date's labels needs.

    Labels look into the future by construction; the forecasting model trains on a row only
    once its label_available_date is behind the retrain date (purged, with an embargo).
-#}
{%- set features = ['momentum_1m', 'momentum_3m', 'momentum_6m', 'momentum_12m', 'momentum_12_1',
    'realized_vol_1m_ann', 'realized_vol_3m_ann', 'downside_vol_3m_ann', 'garch_vol_21d_ann',
    'beta_kalman', 'drawdown', 'max_drawdown_12m', 'log_traded_value_3m', 'amihud_illiquidity_3m',
    'volume_trend', 'zero_volume_share_3m'] %}
{%- set horizon = var('forecast_horizon') %}
{#- A live refresh recomputes from `horizon` rows before the new prices: the labels there see
    them. -#}
{%- set recompute_from = live_rows_before(ref('int_prices_adjusted'), horizon) %}

with

features as (
    select * from {{ ref('int_etf_features_daily') }}
    where obs_index >= {{ var('min_history_sessions') }}
    {{- live_since('price_date', recompute_from, 'and') }}
),

garch as (
    select
        ticker,
        date as price_date,
        garch_vol_21d_ann
    from {{ ref('garch_volatility') }}
    {{- live_since('date', recompute_from) }}
),

betas as (
    select
        ticker,
        price_date,
        beta_kalman
    from {{ ref('beta_kalman') }}
    {{- live_since('price_date', recompute_from) }}
),

forward as (
    select
        ticker,
        price_date,
        lead(adj_close, {{ horizon }}) over by_ticker / adj_close - 1 as forward_return,
        lead(price_date, {{ horizon }}) over by_ticker as label_end_date
    from {{ ref('int_prices_adjusted') }}
    {{- live_since('price_date', recompute_from) }}
    window by_ticker as (partition by ticker order by price_date)
),

joined as (
    select
        features.*,
        ln(nullif(features.traded_value_3m, 0)) as log_traded_value_3m,
        garch.garch_vol_21d_ann,
        betas.beta_kalman,
        forward.forward_return,
        {{ fixed_point('forward.forward_return', '1e12') }} as forward_return_fp,
        forward.label_end_date
    from features
    left outer join garch
        on features.ticker = garch.ticker and features.price_date = garch.price_date
    left outer join betas
        on features.ticker = betas.ticker and features.price_date = betas.price_date
    left outer join forward
        on features.ticker = forward.ticker and features.price_date = forward.price_date
),

final as (
    select
        ticker,
        price_date,
        {%- for feature in features %}
        {{ cross_sectional_rank(feature) }} as f_{{ feature }},
        {%- endfor %}
        -- the day's mean in exact fixed point: a float window mean can differ in the last bits
        -- when other data changes, and a model trained on it would then differ too
        forward_return - {{ exact_window_avg('forward_return_fp', '1e12', 'same_day') }}
            as label_relative_return,
        forward_return,
        max(label_end_date) over same_day as label_available_date
    from joined
    window same_day as (partition by price_date)
)

select * from final
