{#-
    The eligible funds on the latest scored date, in the shape of int_backtest_signals: the
    input of today's target portfolio and trade list (kept out of the backtest's monthly
    holdings, so the backtest never depends on where the data happens to end).
-#}
with

latest as (
    select * from {{ ref('int_latest_rankings') }}
    where is_eligible
),

final as (
    select
        latest.as_of_date as signal_date,
        latest.ticker,
        latest.asset_class,
        latest.risk_category,
        latest.composite_score,
        null::double as composite_score_regime,
        null::double as composite_score_fixed,
        null::double as composite_score_learned,
        latest.composite_score_unadjusted,
        latest.forecast_return,
        latest.garch_vol_ann,
        true as is_survivor
    from latest
)

select * from final
