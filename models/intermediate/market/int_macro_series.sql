{#-
    Macro and geopolitical observations in one long shape: one row per series and observation,
    with the first date a model may use it (`available_date`), the series' role and region
    (seed macro_series) and the value the state uses (`series_value`: the observation, or its
    trailing mean over the series' `smoothing_days` of available observations).

    Where the observations come from, the first that applies:
    - var macro_path: the user's file, the rows int_macro_file_checked keeps (its rejects are
      in fct_macro_quarantine);
    - embedded sample: its daily macro set (known on the day it is dated): long_yield_pct (the
      10-year government yield), credit_spread_pct, geo_risk_index, policy_rate_pct,
      inflation_yoy_pct, audusd;
    - real files: the US series bundled with arch (ref_us_macro_monthly), monthly: the Moody's
      Aaa corporate yield stands in for long_yield_pct and Baa - Aaa for credit_spread_pct;
      inflation_yoy_pct is core CPI. No geopolitical index ships with arch, and the series end
      in 2018: real-file builds without a macro file have neutral multipliers after that.

    A series the seed does not list keeps a null role: the state ignores it and
    mart_data_quality names it.
-#}

with

{% if var('macro_path', none) is not none %}
observations as (
    select
        series,
        observation_date,
        available_date,
        observed_value
    from {{ ref('int_macro_file_checked') }}
    where quarantine_reason is null
),
{% elif var('prices_path', none) is none %}
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

observations as (
    select
        series,
        date as observation_date,
        date as available_date,
        observed_value::double as observed_value
    from unpivoted
    where observed_value is not null
),
{% else %}
macro as (
    select * from {{ ref('ref_us_macro_monthly') }}
),

observations as (
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
),
{% endif %}

roles as (
    select * from {{ ref('macro_series') }}
),

final as (
    select
        observations.series,
        roles.role,
        roles.region,
        roles.serves_global,
        roles.priority,
        observations.observation_date,
        observations.available_date,
        observations.observed_value,
        case
            when coalesce(roles.smoothing_days, 1) <= 1 then observations.observed_value
            else avg(observations.observed_value) over (
                    partition by observations.series
                    order by observations.available_date
                    range between interval (coalesce(roles.smoothing_days, 1) - 1) day preceding
                    and current row
                )
        end as series_value
    from observations
    left outer join roles
        on observations.series = roles.series
)

select * from final
