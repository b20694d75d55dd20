{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='price_date'
) }}
{#-
    The inputs of the forecasting panel (int_ml_panel), one row per fund and date once the fund
    has `min_history_sessions` returns: the raw features int_ml_panel ranks across funds (point-
    in-time SQL features, GARCH volatility, Kalman beta), the fund's return over the next
    `forecast_horizon` rows behind the label, and the date of that return's last price.

    int_ml_panel, a Python model (python_models/forecast; the rules in
    etf_warehouse.forecast.panel), reads this table sorted by date and ranks each day's funds
    in numpy: at 3,000 funds DuckDB's sixteen rank windows took about three times as long.
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

panel_starts as (
    -- each fund's first panel date, the date of its row numbered `min_history_sessions`
    -- (obs_index numbers a fund's clean rows 1, 2, ... in date order, without gaps, so the rows
    -- from that date are those with obs_index >= min_history_sessions, the panel's rows before
    -- this CTE). Every input below keeps the rows from there on, so the merge
    -- joins inputs of the same extent: DuckDB builds its hash tables on the narrow later parts
    -- (a range filter on the first part alone made it estimate that part at a fifth of its
    -- rows and build on it, which at 3,000 funds ran out of memory; macro merge_by_key)
    select
        ticker,
        min(price_date) as first_panel_date
    from {{ ref('int_etf_features_daily') }}
    where obs_index = {{ var('min_history_sessions') }}
    group by ticker
),

features as (
    select features.*
    from {{ ref('int_etf_features_daily') }} as features
    inner join panel_starts
        on
            features.ticker = panel_starts.ticker
            and features.price_date >= panel_starts.first_panel_date
    {{- live_since('features.price_date', recompute_from) }}
),

garch as (
    select
        garch.ticker,
        garch.date as price_date,
        garch.garch_vol_21d_ann
    from {{ ref('garch_volatility') }} as garch
    inner join panel_starts
        on
            garch.ticker = panel_starts.ticker
            and garch.date >= panel_starts.first_panel_date
    {{- live_since('garch.date', recompute_from) }}
),

betas as (
    select
        betas.ticker,
        betas.price_date,
        betas.beta_kalman
    from {{ ref('beta_kalman') }} as betas
    inner join panel_starts
        on
            betas.ticker = panel_starts.ticker
            and betas.price_date >= panel_starts.first_panel_date
    {{- live_since('betas.price_date', recompute_from) }}
),

labels as (
    select
        ticker,
        price_date,
        lead(adj_close, {{ horizon }}) over by_ticker / adj_close - 1 as forward_return,
        lead(price_date, {{ horizon }}) over by_ticker as label_end_date
    from {{ ref('int_prices_adjusted') }}
    {{- live_since('price_date', recompute_from) }}
    window by_ticker as (partition by ticker order by price_date)
),

forward as (
    select labels.*
    from labels
    inner join panel_starts
        on
            labels.ticker = panel_starts.ticker
            and labels.price_date >= panel_starts.first_panel_date
),

-- One row per panel row, the four inputs merged by fund and date (macro merge_by_key).
{%- set panel_columns = {} %}
{%- for feature in features if feature not in ('log_traded_value_3m', 'garch_vol_21d_ann',
    'beta_kalman') %}
{%- do panel_columns.update({feature: feature}) %}
{%- endfor %}
{%- do panel_columns.update({'log_traded_value_3m': 'ln(nullif(traded_value_3m, 0))'}) %}
merged as (
    {{ merge_by_key([
        {'from': 'features', 'columns': panel_columns},
        {'from': 'garch', 'columns': {'garch_vol_21d_ann': 'garch_vol_21d_ann'}},
        {'from': 'betas', 'columns': {'beta_kalman': 'beta_kalman'}},
        {'from': 'forward', 'columns': {
            'forward_return': 'forward_return', 'label_end_date': 'label_end_date'
        }},
    ]) }}
),

joined as (
    select
        * exclude (label_end_date),
        {{ fixed_point('forward_return', '1e12') }} as forward_return_fp,
        label_end_date
    from merged
)

select * from joined
