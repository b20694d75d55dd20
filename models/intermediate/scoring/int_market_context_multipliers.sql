{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='as_of_date'
) }}
{#-
    Macro and geopolitical multipliers of every fund on every scored day.

    Sensitivities come from seed market_sensitivities (the lowest `priority` whose asset_class,
    sub_class_like and region_like LIKE patterns match the fund) times the fund's leverage (a
    2x fund is twice as sensitive, an inverse fund has the opposite sign). The day's pressures
    come from int_macro_state_daily (point-in-time, 0 = neutral): for each of rate, credit and
    geo, the fund's region's where that region has a fresh (`ok`) series of its own (AU rates
    for an AU fund, where the macro file has them), else the GLOBAL one. `<kind>_series` names
    the series behind each pressure and `market_context_note` says in words which pressures
    are neutral for want of data (null when all three had fresh data).

      macro_multiplier = clamp(1 - macro_adjustment_strength
                                 x (rate_sensitivity x rate_pressure
                                    + credit_sensitivity x credit_pressure),
                               market_multiplier_min, market_multiplier_max)
      geo_multiplier   = clamp(1 - geo_adjustment_strength x geo_sensitivity x geo_pressure,
                               market_multiplier_min, market_multiplier_max)

    both rounded to 6 decimals (a readable number; no ranking depends on the 7th).

    A fund whose asset class is inferred from its returns has neutral sensitivities on the days
    its class does not exist yet (int_scoring_universe's risk_category is null then, the one
    place that rule lives). With var
    `market_context_adjustment` false both multipliers are exactly 1 (the plain score); the
    sensitivities and pressures are still reported.

    A live refresh computes the days on or after refresh_from, as int_etf_rankings, which reads
    them: a revision of older macro rows reaches the earlier days of both at the next full
    build (docs/market_context.md).
-#}
{#- a var passed on the command line as the string "false" must switch it off too -#}
{%- set adjust = var('market_context_adjustment') %}
{%- if adjust is string %}
{%- set adjust = adjust | lower in ['true', '1', 'yes', 'on'] %}
{%- endif %}

with

universe as (
    -- risk_category is null on the days a fund's class does not exist yet (int_scoring_universe)
    select
        as_of_date,
        ticker,
        risk_category is not null as is_classified
    from {{ ref('int_scoring_universe') }}
    {{- live_tail('as_of_date') }}
),

etfs as (
    select
        ticker,
        asset_class,
        sub_class,
        region,
        leverage
    from {{ ref('int_etfs_classified') }}
),

rules as (
    select * from {{ ref('market_sensitivities') }}
),

state as (
    select * from {{ ref('int_macro_state_daily') }}
),

global_state as (
    select * from state
    where region = 'GLOBAL'
),

regional_state as (
    select * from state
    where region != 'GLOBAL'
),

matched as (
    select
        etfs.ticker,
        min(rules.priority) as sensitivity_rule,
        arg_min(rules.rate_sensitivity, rules.priority) * any_value(etfs.leverage)
            as rate_sensitivity,
        arg_min(rules.credit_sensitivity, rules.priority) * any_value(etfs.leverage)
            as credit_sensitivity,
        arg_min(rules.geo_sensitivity, rules.priority) * any_value(etfs.leverage)
            as geo_sensitivity
    from etfs
    inner join rules
        on
            etfs.asset_class like rules.asset_class
            and etfs.sub_class like rules.sub_class_like
            and etfs.region like rules.region_like
    group by etfs.ticker
),

sensitivities as (
    select
        universe.as_of_date,
        universe.ticker,
        etfs.region,
        matched.sensitivity_rule,
        universe.is_classified,
        matched.rate_sensitivity,
        matched.credit_sensitivity,
        matched.geo_sensitivity
    from universe
    left outer join matched
        on universe.ticker = matched.ticker
    left outer join etfs
        on universe.ticker = etfs.ticker
),

-- per kind of pressure: the fund's region's state where it is ok, else the world's
pressures as (
    select
        {%- for kind in ['rate', 'credit', 'geo'] %}
        case
            when regional_state.{{ kind }}_status = 'ok' then regional_state.{{ kind }}_pressure
            else coalesce(global_state.{{ kind }}_pressure, 0.0)
        end as {{ kind }}_pressure,
        case
            when regional_state.{{ kind }}_status = 'ok' then regional_state.{{ kind }}_series
            else global_state.{{ kind }}_series
        end as {{ kind }}_series,
        case
            when regional_state.{{ kind }}_status = 'ok' then 'ok'
            else coalesce(global_state.{{ kind }}_status, 'unavailable')
        end as {{ kind }}_status,
        case
            when regional_state.{{ kind }}_status = 'ok'
                then regional_state.{{ kind }}_observation_date
            else global_state.{{ kind }}_observation_date
        end as {{ kind }}_observation_date,
        {%- endfor %}
        sensitivities.*
    from sensitivities
    left outer join regional_state
        on
            sensitivities.as_of_date = regional_state.date
            and sensitivities.region = regional_state.region
    left outer join global_state
        on sensitivities.as_of_date = global_state.date
),

unbounded as (
    select
        pressures.as_of_date,
        pressures.ticker,
        pressures.sensitivity_rule,
        pressures.is_classified,
        case when pressures.is_classified then pressures.rate_sensitivity else 0.0 end
            as rate_sensitivity,
        case when pressures.is_classified then pressures.credit_sensitivity else 0.0 end
            as credit_sensitivity,
        case when pressures.is_classified then pressures.geo_sensitivity else 0.0 end
            as geo_sensitivity,
        pressures.rate_pressure,
        pressures.credit_pressure,
        pressures.geo_pressure,
        pressures.rate_status,
        pressures.credit_status,
        pressures.geo_status,
        pressures.rate_series,
        pressures.credit_series,
        pressures.geo_series,
        nullif(concat_ws(
            '; ',
            {%- for kind, words in [
                ('rate', 'rate pressure'),
                ('credit', 'credit pressure'),
                ('geo', 'geopolitical pressure'),
            ] %}
            case
                when pressures.{{ kind }}_status = 'unavailable'
                    then '{{ words }} neutral: no series of this role has data yet'
                when pressures.{{ kind }}_status = 'warming_up'
                    then '{{ words }} neutral: ' || pressures.{{ kind }}_series
                        || ' has no value 182 days back yet'
                when pressures.{{ kind }}_status = 'stale'
                    then '{{ words }} neutral: ' || pressures.{{ kind }}_series
                        || ' is stale (latest observation '
                        || pressures.{{ kind }}_observation_date || ')'
            end{{ ',' if not loop.last }}
            {%- endfor %}
        ), '') as market_context_note
    from pressures
),

final as (
    select
        *,
        {% if adjust -%}
        round(greatest(
            {{ var('market_multiplier_min') }},
            least(
                {{ var('market_multiplier_max') }},
                1.0 - {{ var('macro_adjustment_strength') }}
                * (rate_sensitivity * rate_pressure + credit_sensitivity * credit_pressure)
            )
        ), 6)::double as macro_multiplier,
        round(greatest(
            {{ var('market_multiplier_min') }},
            least(
                {{ var('market_multiplier_max') }},
                1.0 - {{ var('geo_adjustment_strength') }} * geo_sensitivity * geo_pressure
            )
        ), 6)::double as geo_multiplier
        {%- else -%}
        1.0::double as macro_multiplier,
        1.0::double as geo_multiplier
        {%- endif %}
    from unbounded
)

{% if adjust -%}
select * from final
{%- else -%}
select
    * replace (
        'both multipliers 1: var market_context_adjustment is off' as market_context_note
    )
from final
{%- endif %}
