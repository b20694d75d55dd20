{#-
    The published row of the daily ranked score, one definition for mart_etf_rankings (every
    day), int_latest_rankings (today) and int_backtest_signals (the monthly signal dates):
    int_etf_rankings (the day's scores and ranks, where they are computed) with the components,
    the weights used, the inputs and the market context behind them, one row per trading day
    and live fund, in the column order of mart_etf_rankings' contract.

    `days`: a relation (or CTE) with an `as_of_date` column, the days to return; none -> every
    day. Each input is cut to those days before the joins: DuckDB does not carry a filter on
    the joined rows, or a join to a few days, into the inputs (10,000 funds: the signal dates'
    rows 35 s through a view of the joins, 1.4 s cut first; today's 14-19 s by a subquery's
    date). `batch`: a condition on as_of_date (build_batch_filter), applied to every input
    alike. Writing the width costs by the column: the ranks are computed narrow and this row is
    written once, by mart_etf_rankings (README "Layout").
-#}
{% macro etf_rankings_detailed(days=none, batch=none) -%}
{%- set components = score_component_names() %}
{%- set conditions = [] %}
{%- if days is not none %}
{%- do conditions.append('as_of_date in (select days.as_of_date from ' ~ days ~ ' as days)') %}
{%- endif %}
{%- if batch is not none %}
{%- do conditions.append(batch) %}
{%- endif %}
{%- set on_days -%}
    {%- if conditions | length %} where {{ conditions | join(' and ') }}{% endif -%}
{%- endset %}
(
    with

    ranks as (
        select * from {{ ref('int_etf_rankings') }}{{ on_days }}
    ),

    universe as (
        select * from {{ ref('int_scoring_universe') }}{{ on_days }}
    ),

    components as (
        select * from {{ ref('int_component_scores') }}{{ on_days }}
    ),

    weights as (
        select * from {{ ref('int_scoring_weights') }}{{ on_days }}
    ),

    multipliers as (
        select * from {{ ref('int_market_context_multipliers') }}{{ on_days }}
    )

    select
        -- keys
        ranks.as_of_date,
        ranks.ticker,
        -- eligibility and context
        ranks.is_eligible,
        universe.exclusion_reason,
        universe.risk_category,
        universe.asset_class,
        ranks.regime,
        ranks.weights_mode,
        ranks.n_eligible,
        universe.last_price_date,
        universe.days_since_price,
        -- components (0-100) and the weights used
        {%- for name in components %}
        components.score_{{ name }},
        {%- endfor %}
        {%- for name in components %}
        weights.weight_{{ name }},
        {%- endfor %}
        -- composite
        ranks.weighted_score,
        ranks.raw_score,
        ranks.penalty_points,
        ranks.penalty_points_uncapped,
        ranks.n_penalties,
        ranks.macro_multiplier,
        ranks.geo_multiplier,
        ranks.adjusted_score,
        ranks.composite_score,
        ranks.composite_score_unadjusted,
        ranks.score_rank,
        ranks.position_size,
        -- inputs
        universe.garch_vol_21d_ann as garch_vol_ann,
        universe.vol_model,
        universe.beta,
        universe.beta_model,
        universe.beta_rolling,
        universe.forecast_return,
        universe.momentum_12_1,
        universe.momentum_6m,
        universe.drawdown,
        universe.max_drawdown_12m,
        universe.traded_value_3m,
        -- market context behind the multipliers
        multipliers.rate_sensitivity,
        multipliers.credit_sensitivity,
        multipliers.geo_sensitivity,
        multipliers.rate_pressure,
        multipliers.credit_pressure,
        multipliers.geo_pressure,
        multipliers.rate_series,
        multipliers.credit_series,
        multipliers.geo_series,
        multipliers.market_context_note
    from ranks
    inner join universe
        on ranks.as_of_date = universe.as_of_date and ranks.ticker = universe.ticker
    inner join weights
        on ranks.as_of_date = weights.as_of_date and ranks.weights_mode = weights.weights_mode
    left outer join components
        on ranks.as_of_date = components.as_of_date and ranks.ticker = components.ticker
    inner join multipliers
        on ranks.as_of_date = multipliers.as_of_date and ranks.ticker = multipliers.ticker
)
{%- endmacro %}
