{{ config(materialized='table') }}
{#-
    What each backtested strategy knows at each rebalance: the eligible funds on the first
    trading day of every month of the scoring history (the signal date; trades happen the next
    trading day), with

    - composite_score: the system's score that day (regime-adaptive weights by default);
    - composite_score_fixed: the same score recomputed with the `fixed` weights of seed
      regime_weights (raw score re-ranked, same penalties and multipliers);
    - composite_score_unadjusted: the score without the macro/geo multipliers (the
      composite_without_market_context strategy, what the market context adds);
    - the construction inputs (forecast, GARCH vol, asset class, risk category, leverage: the
      unlevered benchmark leaves out funds whose leverage is not 1);
    - is_survivor: whether the fund is still trading at the end of the data. This looks into
      the future on purpose: it defines the survivors-only universe that measures survivorship
      bias, and nothing else uses it.
-#}

with

rankings as (
    select * from {{ ref('mart_etf_rankings') }}
    where is_eligible
),

fixed_weights as (
    select * from {{ ref('regime_weights') }}
    where regime = 'fixed'
),

rebalance_dates as (
    select min(as_of_date) as signal_date
    from rankings
    group by date_trunc('month', as_of_date)
),

etfs as (
    select
        ticker,
        leverage,
        is_delisted
    from {{ ref('dim_etfs') }}
),

fixed_scores as (
    select
        rankings.*,
        fixed_weights.weight_risk * rankings.score_risk
        + fixed_weights.weight_momentum * rankings.score_momentum
        + fixed_weights.weight_forecast * rankings.score_forecast
        + fixed_weights.weight_volume * rankings.score_volume as weighted_score_fixed
    from rankings
    inner join rebalance_dates
        on rankings.as_of_date = rebalance_dates.signal_date
    cross join fixed_weights
),

final as (
    select
        fixed_scores.as_of_date as signal_date,
        fixed_scores.ticker,
        fixed_scores.asset_class,
        fixed_scores.risk_category,
        fixed_scores.composite_score,
        greatest(
            0.0,
            least(
                100.0,
                (
                    100.0 * percent_rank()
                        over (
                            partition by fixed_scores.as_of_date
                            order by fixed_scores.weighted_score_fixed
                        )
                    - fixed_scores.penalty_points
                ) * fixed_scores.macro_multiplier * fixed_scores.geo_multiplier
            )
        ) as composite_score_fixed,
        fixed_scores.composite_score_unadjusted,
        fixed_scores.forecast_return,
        fixed_scores.garch_vol_ann,
        etfs.leverage,
        not etfs.is_delisted as is_survivor
    from fixed_scores
    inner join etfs
        on fixed_scores.ticker = etfs.ticker
)

select * from final
