{#-
    The macro and geopolitical state on every trading day, for the world (`region` GLOBAL) and
    for each region that has series of its own (AU, US, ...), point-in-time.

    Per series and day: its latest value available on or before the day (`series_value` of
    int_macro_series), its value `macro_change_days` (182) calendar days earlier, and for a
    geopolitical-risk series its median over geo_baseline_days (730). Status: `unavailable`
    (no value yet), `stale` (the latest is older than macro_max_staleness_days, 45),
    `warming_up` (a rate or spread without a value 182 days back yet) or `ok`. On a day, a
    series shows the newest observation available by then (a late row for an older date does
    not replace it).

      rate_pressure   = clamp((long yield now - 182 days ago) / rate_pressure_full_pp, -1, 1)
      credit_pressure = clamp((credit spread now - 182 days ago) / credit_pressure_full_pp, -1, 1)
      geo_pressure    = clamp((geo index / its 730-day median - 1) / geo_pressure_full_ratio, 0, 1)

    Positive pressure = rising yields, widening spreads, geopolitical stress; a pressure whose
    series is not `ok` is 0 (neutral). Which series speaks for a region and role (seed
    macro_series): GLOBAL rows take the series that `serves_global`, a region's rows that
    region's series; among them the first `ok` one by priority (then the first by priority).
    `<role>_series` and `<role>_observation_date` name the observation behind each value, so
    a pressure traces back to a row of the macro file. int_market_context_multipliers gives a
    fund its region's pressure where that is `ok`, else the GLOBAL one.
-#}
{%- set change_days = var('macro_change_days') %}
{#- role in seed macro_series -> column prefix here -#}
{%- set roles = {
    'long_rate': 'rate',
    'credit_spread': 'credit',
    'geopolitical_risk': 'geo',
    'inflation': 'inflation',
    'short_rate': 'short_rate',
    'policy_rate': 'policy_rate',
    'fx': 'fx',
    'volatility_index': 'volatility',
} %}

with

calendar as (
    select
        price_date as date,
        price_date - {{ change_days }} as lookback_date
    from {{ ref('int_trading_calendar') }}
    where is_trading_day
),

with_baseline as (
    select
        *,
        median(series_value) over (
            partition by series
            order by available_date
            range between interval ({{ var('geo_baseline_days') }} - 1) day preceding
            and current row
        ) as series_baseline,
        -- the newest observation date known once this row is available (ties included)
        max(observation_date) over (
            partition by series
            order by available_date
            range between unbounded preceding and current row
        ) as newest_known
    from {{ ref('int_macro_series') }}
    where role is not null
),

-- what the state may show on a day: per series and available_date, the newest observation
-- known by then (a late row for an older date, or several rows released at once, never
-- stand in for a newer observation already known)
observations as (
    select * exclude (newest_known) from with_baseline
    where observation_date = newest_known
    qualify row_number() over (
            partition by series, available_date order by observation_date desc
        ) = 1
),

series as (
    select distinct
        series,
        role,
        region,
        serves_global,
        priority
    from observations
),

series_days as (
    select
        calendar.date,
        calendar.lookback_date,
        series.*
    from calendar
    cross join series
),

latest as (
    select
        series_days.*,
        observations.series_value,
        observations.series_baseline,
        observations.observation_date,
        observations.available_date
    from series_days
    asof left outer join observations
        on
            series_days.series = observations.series
            and series_days.date >= observations.available_date
),

earlier as (
    select
        series_days.date,
        series_days.series,
        observations.series_value as series_value_before
    from series_days
    asof left outer join observations
        on
            series_days.series = observations.series
            and series_days.lookback_date >= observations.available_date
),

series_state as (
    select
        latest.*,
        earlier.series_value_before,
        case
            when latest.series_value is null then 'unavailable'
            when
                latest.date - latest.available_date > {{ var('macro_max_staleness_days') }}
                then 'stale'
            -- a change needs a value macro_change_days back: until then no pressure, and the
            -- series does not speak for its region (the GLOBAL one does)
            when
                latest.role in ('long_rate', 'credit_spread')
                and earlier.series_value_before is null
                then 'warming_up'
            else 'ok'
        end as status
    from latest
    inner join earlier
        on latest.date = earlier.date and latest.series = earlier.series
),

with_pressure as (
    select
        *,
        case
            when status != 'ok' then 0.0
            when role = 'long_rate' and series_value_before is not null
                then greatest(-1.0, least(
                        1.0,
                        (series_value - series_value_before) / {{ var('rate_pressure_full_pp') }}
                    ))
            when role = 'credit_spread' and series_value_before is not null
                then greatest(-1.0, least(
                        1.0,
                        (series_value - series_value_before)
                        / {{ var('credit_pressure_full_pp') }}
                    ))
            when role = 'geopolitical_risk' and series_baseline > 0
                then greatest(0.0, least(
                        1.0,
                        (series_value / series_baseline - 1.0)
                        / {{ var('geo_pressure_full_ratio') }}
                    ))
            else 0.0
        end as pressure
    from series_state
),

-- the GLOBAL rows' candidates, then each region's own
candidates as (
    select
        'GLOBAL' as state_region,
        *
    from with_pressure
    where serves_global
    union all
    select
        region as state_region,
        *
    from with_pressure
    where region != 'GLOBAL'
),

chosen as (
    select * from candidates
    qualify row_number() over (
            partition by date, state_region, role
            order by (status = 'ok') desc, priority asc, series asc
        ) = 1
),

regions as (
    select distinct state_region from candidates
    union
    select 'GLOBAL' as state_region
),

final as (
    select
        -- keys
        calendar.date,
        regions.state_region as region,
        {%- for role, prefix in roles.items() %}
        -- {{ role }}: the series behind it, its value (unit: seed macro_series) and status
        any_value(chosen.series) filter (where chosen.role = '{{ role }}') as {{ prefix }}_series,
        any_value(chosen.observation_date) filter (where chosen.role = '{{ role }}')
            as {{ prefix }}_observation_date,
        any_value(chosen.series_value) filter (where chosen.role = '{{ role }}')
            as {{ prefix }}_value,
        {%- if prefix in ['rate', 'credit'] %}
        any_value(chosen.series_value_before) filter (where chosen.role = '{{ role }}')
            as {{ prefix }}_value_before,
        {%- endif %}
        {%- if prefix == 'geo' %}
        any_value(chosen.series_baseline) filter (where chosen.role = '{{ role }}')
            as geo_baseline,
        {%- endif %}
        {%- if prefix in ['rate', 'credit', 'geo'] %}
        coalesce(any_value(chosen.pressure) filter (where chosen.role = '{{ role }}'), 0.0)
            as {{ prefix }}_pressure,
        {%- endif %}
        coalesce(any_value(chosen.status) filter (where chosen.role = '{{ role }}'), 'unavailable')
            as {{ prefix }}_status,
        {%- endfor %}
        count(*) filter (where chosen.status = 'ok') as n_roles_ok
    from calendar
    cross join regions
    left outer join chosen
        on calendar.date = chosen.date and regions.state_region = chosen.state_region
    group by calendar.date, regions.state_region
)

select * from final
