{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
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
{%- set recompute_from = live_rows_before(ref('int_prices_adjusted'), var('forecast_horizon')) %}

{#- The inputs table is read by each pass, not through a shared CTE: DuckDB materialises a CTE
    read several times and scans it on one thread. #}
{%- set inputs -%}
{{ ref('int_ml_panel_inputs') }}{{ live_since('price_date', recompute_from) }}
{%- endset %}

with

-- The cross-sectional ranks, four features per window pass: DuckDB's window operator carries
-- every column of its input through each sort, so ranking all sixteen features in one pass over
-- the wide joined rows took twice as long at 3,000 funds as four narrow passes joined back.
{%- set groups = features | batch(4) | list %}  {#- four groups, joined back in `final` #}
{%- for group in groups %}

ranks_{{ loop.index }} as (
    select
        ticker,
        {%- for feature in group %}
        {{ cross_sectional_rank(feature) }} as f_{{ feature }},
        {%- endfor %}
        price_date
    from {{ inputs }}
),
{%- endfor %}

labels as (
    select
        ticker,
        price_date,
        -- the day's mean in exact fixed point: a float window mean can differ in the last bits
        -- when other data changes, and a model trained on it would then differ too
        forward_return - {{ exact_window_avg('forward_return_fp', '1e12', 'same_day') }}
            as label_relative_return,
        forward_return,
        max(label_end_date) over same_day as label_available_date
    from {{ inputs }}
    window same_day as (partition by price_date)
),

final as (
    select
        labels.ticker,
        labels.price_date,
        {%- for feature in features %}
        ranks_{{ (loop.index0 // 4) + 1 }}.f_{{ feature }},
        {%- endfor %}
        labels.label_relative_return,
        labels.forward_return,
        labels.label_available_date
    from labels
    inner join ranks_1
        on labels.ticker = ranks_1.ticker and labels.price_date = ranks_1.price_date
    inner join ranks_2
        on labels.ticker = ranks_2.ticker and labels.price_date = ranks_2.price_date
    inner join ranks_3
        on labels.ticker = ranks_3.ticker and labels.price_date = ranks_3.price_date
    inner join ranks_4
        on labels.ticker = ranks_4.ticker and labels.price_date = ranks_4.price_date
)

select * from final
