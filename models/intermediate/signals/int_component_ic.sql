{#-
    The component scores' rank ICs on every monthly signal date, across all eligible funds:
    the evidence the `learned` scoring weights follow (int_scoring_weights). Dated by
    as_of_date, the day the forward return is complete (macros/signals/signal_quality.sql).
    It reads the component scores directly (not int_signal_inputs), so a live refresh, which
    rebuilds everything the rankings need, does not rebuild the peers. The components: the
    registry macros/scoring/score_components.sql.
-#}
{%- set scores = component_columns('score_{c}') %}
{%- set components -%}
    (
        unpivot (
            select
                'all' as cross_section,
                components.as_of_date as signal_date,
                components.ticker,
                {{ scores | join(', ') }}
            from {{ ref('int_component_scores') }} as components
            where components.as_of_date in (
                select signal_date from {{ ref('int_signal_dates') }}
            )
        )
        on {{ scores | join(', ') }}
        into name signal value signal_value
    )
{%- endset %}

select * from ({{ signal_quality(components, 'cross_section') }})
