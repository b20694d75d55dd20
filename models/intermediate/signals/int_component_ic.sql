{{ config(materialized='table') }}
{#-
    The four component scores' rank ICs on every monthly signal date, across all eligible funds:
    the evidence the `learned` scoring weights follow (int_scoring_weights). Dated by
    as_of_date, the day the forward return is complete (macros/signals/signal_quality.sql).
    It reads the component scores directly (not int_signal_inputs), so a live refresh, which
    rebuilds everything the rankings need, does not rebuild the peers.
-#}
{%- set components -%}
    (
        unpivot (
            select
                'all' as cross_section,
                components.as_of_date as signal_date,
                components.ticker,
                components.score_risk,
                components.score_momentum,
                components.score_forecast,
                components.score_volume
            from {{ ref('int_component_scores') }} as components
            where components.as_of_date in (
                select signal_date from {{ ref('int_signal_dates') }}
            )
        )
        on score_risk, score_momentum, score_forecast, score_volume
        into name signal value signal_value
    )
{%- endset %}

select * from ({{ signal_quality(components, 'cross_section') }})
