{#-
    The component weights used on each trading day: those of the day's market regime (seed
    regime_weights), or the `fixed` row when the `scoring_weights_mode` var is `fixed`.
-#}

with

calendar as (
    select price_date as as_of_date from {{ ref('int_trading_calendar') }}
    where is_trading_day
),

regimes as (
    select
        date,
        regime
    from {{ ref('int_market_regimes') }}
),

weights as (
    select * from {{ ref('regime_weights') }}
),

daily_regime as (
    select
        calendar.as_of_date,
        coalesce(regimes.regime, 'warming_up') as regime
    from calendar
    asof left outer join regimes
        on calendar.as_of_date >= regimes.date
),

final as (
    select
        daily_regime.as_of_date,
        daily_regime.regime,
        '{{ var("scoring_weights_mode", "regime") }}' as weights_mode,
        weights.weight_risk,
        weights.weight_momentum,
        weights.weight_forecast,
        weights.weight_volume
    from daily_regime
    inner join weights
        on weights.regime = {% if var('scoring_weights_mode') == 'fixed' -%}
            'fixed'
    {%- else -%}
            daily_regime.regime
    {%- endif %}
)

select * from final
