{#-
    The macro and geopolitical state on every trading day, point-in-time: each series' latest
    observation available on or before the day, its value `macro_change_days` (182) calendar
    days earlier, and the pressures the market-context multipliers use.

      rate_pressure   = clamp((long yield now - 182 days ago) / rate_pressure_full_pp, -1, 1)
      credit_pressure = clamp((credit spread now - 182 days ago) / credit_pressure_full_pp, -1, 1)
      geo_pressure    = clamp((geo index / its median over geo_baseline_days - 1)
                              / geo_pressure_full_ratio, 0, 1)

    Positive pressure = rising yields, widening spreads, geopolitical stress. A series with no
    observation, or whose latest one is older than `macro_max_staleness_days`, gives 0 (neutral)
    and says so in its status (`unavailable`, `stale`): real-file builds have no geopolitical
    index, and their arch-bundled macro series end in 2018.
-#}
{%- set change_days = var('macro_change_days') %}
{%- set series_names = [
    'long_yield_pct', 'credit_spread_pct', 'geo_risk_index', 'inflation_yoy_pct'
] %}

with

calendar as (
    select
        price_date as date,
        price_date - {{ change_days }} as lookback_date
    from {{ ref('int_trading_calendar') }}
    where is_trading_day
),

series as (
    select * from {{ ref('int_macro_series') }}
),

geo_baselines as (
    select
        available_date,
        median(observed_value) over (
            order by available_date
            range between interval ({{ var('geo_baseline_days') }} - 1) day preceding
            and current row
        ) as geo_baseline
    from series
    where series = 'geo_risk_index'
),
{% for name in series_names %}

observations_{{ name }} as (
    select * from series
    where series = '{{ name }}'
),

latest_{{ name }} as (
    select
        calendar.date,
        observations_{{ name }}.observed_value as {{ name }},
        observations_{{ name }}.available_date as {{ name }}_available_date
    from calendar
    asof left outer join observations_{{ name }}
        on calendar.date >= observations_{{ name }}.available_date
),

earlier_{{ name }} as (
    select
        calendar.date,
        observations_{{ name }}.observed_value as {{ name }}_before
    from calendar
    asof left outer join observations_{{ name }}
        on calendar.lookback_date >= observations_{{ name }}.available_date
),
{% endfor %}

joined as (
    select
        calendar.date,
        {%- for name in series_names %}
        latest_{{ name }}.{{ name }},
        earlier_{{ name }}.{{ name }}_before,
        case
            when latest_{{ name }}.{{ name }} is null then 'unavailable'
            when
                calendar.date - latest_{{ name }}.{{ name }}_available_date
                > {{ var('macro_max_staleness_days') }}
                then 'stale'
            else 'ok'
        end as {{ name }}_status,
        {%- endfor %}
        geo_baselines.geo_baseline
    from calendar
    {%- for name in series_names %}
inner join latest_{{ name }}
    on calendar.date = latest_{{ name }}.date
inner join earlier_{{ name }}
    on calendar.date = earlier_{{ name }}.date
    {%- endfor %}
    left outer join geo_baselines
        on latest_geo_risk_index.geo_risk_index_available_date = geo_baselines.available_date
),

final as (
    select
        -- keys
        date,
        -- observations (percent, percentage points, index points)
        long_yield_pct,
        long_yield_pct_before,
        credit_spread_pct,
        credit_spread_pct_before,
        geo_risk_index,
        geo_baseline,
        inflation_yoy_pct,
        -- pressures
        case
            when long_yield_pct_status = 'ok' and long_yield_pct_before is not null
                then greatest(-1.0, least(
                        1.0,
                        (long_yield_pct - long_yield_pct_before)
                        / {{ var('rate_pressure_full_pp') }}
                    ))
            else 0.0
        end as rate_pressure,
        case
            when credit_spread_pct_status = 'ok' and credit_spread_pct_before is not null
                then greatest(-1.0, least(
                        1.0,
                        (credit_spread_pct - credit_spread_pct_before)
                        / {{ var('credit_pressure_full_pp') }}
                    ))
            else 0.0
        end as credit_pressure,
        case
            when geo_risk_index_status = 'ok' and geo_baseline > 0
                then greatest(0.0, least(
                        1.0,
                        (geo_risk_index / geo_baseline - 1.0) / {{ var('geo_pressure_full_ratio') }}
                    ))
            else 0.0
        end as geo_pressure,
        -- statuses: ok | stale | unavailable
        long_yield_pct_status as rate_status,
        credit_spread_pct_status as credit_status,
        geo_risk_index_status as geo_status,
        inflation_yoy_pct_status as inflation_status
    from joined
)

select * from final
