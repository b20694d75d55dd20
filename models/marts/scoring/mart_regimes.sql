{#-
    The market regime of each date, the inputs behind it and the weights it sets (one per
    component of macros/scoring/score_components.sql).
-#}
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
        {{ component_columns('weights.weight_{c}') | join(',\n        ') }}
    from regimes
    left outer join weights
        on regimes.regime = weights.regime
)

select * from final
