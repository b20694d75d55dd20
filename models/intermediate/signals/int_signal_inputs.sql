{#-
    The signals the diagnostics judge that do not depend on the component weights, one row per
    monthly signal date x eligible fund x signal (higher value = expected to do better):

      score_<component>     the component scores (score_risk, score_momentum...: the
                            registry macros/scoring/score_components.sql)
      peer_momentum_12_1    12-month return skipping the latest month (no model)
      peer_momentum_6m      6-month return
      peer_low_volatility   minus the 3-month realised volatility
      peer_reversal_1m      minus the latest 1-month return
      peer_trend_200d       adjusted close over its average of the latest 200 price rows
                            (about 200 sessions; more for a fund with gaps), minus 1
                            (int_etf_features_daily.trend_200d)

    The peers come from the point-in-time features (int_etf_features_daily; the 200-day trend
    is computed there too): the simple yardsticks a model has to beat. The composite and the raw score are added in int_signal_values (they depend
    on the weights, and the learned weights depend on these components' ICs).
-#}
{%- set scores = component_columns('score_{c}') %}

with

signal_dates as (
    select signal_date from {{ ref('int_signal_dates') }}
),

eligible as (
    select universe.*
    from {{ ref('int_scoring_universe') }} as universe
    inner join signal_dates
        on universe.as_of_date = signal_dates.signal_date
    where universe.is_eligible
),

features as (
    select
        features.ticker,
        features.price_date,
        features.momentum_1m,
        features.trend_200d
    from {{ ref('int_etf_features_daily') }} as features
    inner join signal_dates
        on features.price_date = signal_dates.signal_date
),

wide as (
    select
        eligible.as_of_date as signal_date,
        eligible.ticker,
        eligible.asset_class,
        {%- for score in scores %}
        components.{{ score }},
        {%- endfor %}
        eligible.momentum_12_1 as peer_momentum_12_1,
        eligible.momentum_6m as peer_momentum_6m,
        -eligible.realized_vol_3m_ann as peer_low_volatility,
        -features.momentum_1m as peer_reversal_1m,
        features.trend_200d as peer_trend_200d
    from eligible
    inner join {{ ref('int_component_scores') }} as components
        on eligible.as_of_date = components.as_of_date and eligible.ticker = components.ticker
    left outer join features
        on eligible.ticker = features.ticker and eligible.as_of_date = features.price_date
),

final as (
    unpivot wide
    on
    {{ scores | join(', ') }},
    peer_momentum_12_1, peer_momentum_6m, peer_low_volatility, peer_reversal_1m, peer_trend_200d
    into name signal value signal_value
)

select * from final
