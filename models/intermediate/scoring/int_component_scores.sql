{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='as_of_date'
) }}
{#-
    The component scores (0-100) of every eligible fund on every date, each a percentile
    within that day's eligible universe, so each uses the whole range every day. The
    components and their inputs are listed once, in macros/scoring/score_components.sql:

      risk      = percentile of 0.50 p(-GARCH 21-day vol) + 0.25 p(-|Kalman beta|)
                  + 0.25 p(12-month max drawdown)                 (lower risk scores higher)
      momentum  = percentile of 0.50 p(12-1 month) + 0.30 p(6 month) + 0.20 p(3 month return)
      forecast  = percentile of the ML ensemble's bias-corrected next-month relative return
      volume    = percentile of 0.50 p(3-month traded value) + 0.30 p(-Amihud illiquidity)
                  + 0.20 p(-share of zero-volume days)

    where p() is the 0-1 percentile rank that day. The blends are re-ranked so a component is
    not squeezed toward 50 by averaging.
-#}
{%- set components = score_components() %}

with

eligible as (
    select * from {{ ref('int_scoring_universe') }}
    where is_eligible
),

ranked as (
    -- p_<component>_<n>: the 0-1 percentile rank of a blend's n-th input that day
    select
        {%- for component in components %}
        {%- for weight, input in component.blend or [] %}
        percent_rank() over (partition by as_of_date order by {{ input }})
            as p_{{ component.name }}_{{ loop.index }},
        {%- endfor %}
        {%- endfor %}
        *
    from eligible
),

blends as (
    -- each component's value before its final percentile
    select
        {%- for component in components %}
        {{ component_value(component) }} as {{ component.name }}_blend,
        {%- endfor %}
        as_of_date,
        ticker
    from ranked
),

scored as (
    select
        {%- for component in components %}
        {{ percentile_score(component.name ~ '_blend') }} as score_{{ component.name }},
        {%- endfor %}
        as_of_date,
        ticker
    from blends
),

final as (
    -- keys first, then the components in registry order
    select
        as_of_date,
        ticker,
        * exclude (as_of_date, ticker)
    from scored
)

select * from final
{{ live_tail('as_of_date') }}
