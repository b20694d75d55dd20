-- The market regime of each date, the inputs behind it and the weights it sets.
with

regimes as (
    select * from {{ ref('int_market_regimes') }}
),

weights as (
    select * from {{ ref('regime_weights') }}
),

final as (
    select
        regimes.date,
        regimes.regime,
        regimes.benchmark_code,
        regimes.index_level,
        regimes.sma_short,
        regimes.sma_long,
        regimes.trend_strength,
        regimes.vol_short_ann,
        regimes.vol_baseline_ann,
        regimes.vol_ratio,
        regimes.drawdown,
        regimes.days_in_regime,
        weights.weight_risk,
        weights.weight_momentum,
        weights.weight_forecast,
        weights.weight_volume
    from regimes
    left outer join weights
        on regimes.regime = weights.regime
)

select * from final
