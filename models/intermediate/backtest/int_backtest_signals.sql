{#-
    What each backtested strategy knows at each rebalance: the eligible funds on the first
    trading day of every month of the scoring history (the signal date; trades happen the next
    trading day), with

    - composite_score: the system's score that day (regime-adaptive weights by default);
    - composite_score_regime, composite_score_fixed, composite_score_learned: the same score
      under each weights mode of int_scoring_weights (components reweighted, then the one
      composite formula of macros/scoring/composite_score.sql with the day's penalties and
      multipliers). The one equal to the build's mode equals composite_score; the backtest
      runs the other two as variants (etf_warehouse.portfolio.construction.backtest_strategies);
    - composite_score_unadjusted: the score without the macro/geo multipliers (the
      composite_without_market_context strategy, what the market context adds);
    - the construction inputs (forecast, GARCH vol, asset class, risk category, leverage: the
      unlevered benchmark leaves out funds whose leverage is not 1);
    - is_survivor: whether the fund is still trading at the end of the data. This looks into
      the future on purpose: it defines the survivors-only universe that measures survivorship
      bias, and nothing else uses it.
-#}

with

rebalance_dates as (
    -- the signal dates: each month's first day with an eligible fund
    select min(as_of_date) as as_of_date
    from {{ ref('int_etf_rankings') }}
    where is_eligible
    group by date_trunc('month', as_of_date)
),

-- the published rows of the signal dates (macros/scoring/etf_rankings_detailed.sql), the
-- columns read below
rankings as (
    select
        detailed.as_of_date,
        detailed.ticker,
        detailed.asset_class,
        detailed.risk_category,
        {%- for name in score_component_names() %}
        detailed.score_{{ name }},
        {%- endfor %}
        detailed.penalty_points,
        detailed.macro_multiplier,
        detailed.geo_multiplier,
        detailed.composite_score,
        detailed.composite_score_unadjusted,
        detailed.forecast_return,
        detailed.garch_vol_ann
    from {{ etf_rankings_detailed('rebalance_dates') }} as detailed
    where detailed.is_eligible
),

mode_weights as (
    select * from {{ ref('int_scoring_weights') }}
),

etfs as (
    select
        ticker,
        leverage,
        is_delisted
    from {{ ref('int_etfs_listed') }}
),

reweighted as (
    -- each fund's weighted score under every weights mode (regime, fixed, learned)
    select
        rankings.*,
        mode_weights.weights_mode as variant_mode,
        {{ component_sum('mode_weights.weight_{c} * rankings.score_{c}') }}
            as variant_weighted_score
    from rankings
    inner join mode_weights
        on rankings.as_of_date = mode_weights.as_of_date
),

variant_raw as (
    select
        *,
        {{ raw_score('variant_weighted_score', 'as_of_date, variant_mode') }} as variant_raw_score
    from reweighted
),

variant_ranks as (
    select
        *,
        {{ score_rank(
            adjusted_score(
                'variant_raw_score', 'penalty_points', 'macro_multiplier', 'geo_multiplier'
            ),
            'variant_raw_score',
            'as_of_date, variant_mode'
        ) }} as variant_rank
    from variant_raw
),

variant_scores as (
    select
        *,
        {{ composite_score('variant_rank', 'as_of_date, variant_mode') }}
            as variant_composite_score
    from variant_ranks
),

variants as (
    select
        as_of_date,
        ticker,
        max(variant_composite_score) filter (where variant_mode = 'regime')
            as composite_score_regime,
        max(variant_composite_score) filter (where variant_mode = 'fixed')
            as composite_score_fixed,
        max(variant_composite_score) filter (where variant_mode = 'learned')
            as composite_score_learned
    from variant_scores
    group by as_of_date, ticker
),

final as (
    select
        rankings.as_of_date as signal_date,
        rankings.ticker,
        rankings.asset_class,
        rankings.risk_category,
        rankings.composite_score,
        variants.composite_score_regime,
        variants.composite_score_fixed,
        variants.composite_score_learned,
        rankings.composite_score_unadjusted,
        rankings.forecast_return,
        rankings.garch_vol_ann,
        etfs.leverage,
        not etfs.is_delisted as is_survivor
    from rankings
    inner join variants
        on rankings.as_of_date = variants.as_of_date and rankings.ticker = variants.ticker
    inner join etfs
        on rankings.ticker = etfs.ticker
)

select * from final
