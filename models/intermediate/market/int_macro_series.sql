{#-
    Macro and geopolitical observations in one long shape: one row per series and observation,
    with the first date a model may use it (`available_date`).

    - Embedded sample: its daily macro set (known on the day it is dated): long_yield_pct (the
      10-year government yield), credit_spread_pct, geo_risk_index, policy_rate_pct,
      inflation_yoy_pct, audusd.
    - Real files: the US series bundled with arch (ref_us_macro_monthly), monthly: the Moody's
      Aaa corporate yield stands in for long_yield_pct and Baa - Aaa for credit_spread_pct;
      inflation_yoy_pct is core CPI. No geopolitical index ships with arch, so real-file builds
      have none and their geo multipliers stay neutral.
-#}

with

{% if var('prices_path', none) is none %}
macro as (
    select
        date,
        yield_10y_pct as long_yield_pct,
        credit_spread_pct,
        geo_risk_index,
        policy_rate_pct,
        inflation_yoy_pct,
        audusd
    from {{ ref('stg_sample__macro') }}
),

unpivoted as (
    unpivot macro
    on
    long_yield_pct,
    credit_spread_pct,
    geo_risk_index,
    policy_rate_pct,
    inflation_yoy_pct,
    audusd
    into name series value observed_value
),

final as (
    select
        series,
        date as observation_date,
        date as available_date,
        observed_value::double as observed_value
    from unpivoted
    where observed_value is not null
)
{% else %}
macro as (
    select * from {{ ref('ref_us_macro_monthly') }}
),

final as (
    select
        'long_yield_pct' as series,
        month_start::date as observation_date,
        available_date::date as available_date,
        aaa_yield_pct as observed_value
    from macro
    where aaa_yield_pct is not null
    union all
    select
        'credit_spread_pct' as series,
        month_start::date as observation_date,
        available_date::date as available_date,
        credit_spread_pct as observed_value
    from macro
    where credit_spread_pct is not null
    union all
    select
        'inflation_yoy_pct' as series,
        month_start::date as observation_date,
        cpi_available_date::date as available_date,
        core_cpi_yoy_pct as observed_value
    from macro
    where core_cpi_yoy_pct is not null
)
{% endif %}

select * from final
