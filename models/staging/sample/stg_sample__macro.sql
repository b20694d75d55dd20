{#-
    The sample market's macro series (python model sample_macro), typed.
-#}
with

macro as (
    select * from {{ ref('sample_macro') }}
),

final as (
    select
        date::date as date,
        policy_rate_pct,
        yield_10y_pct,
        credit_spread_pct,
        audusd,
        inflation_yoy_pct,
        geo_risk_index
    from macro
)

select * from final
