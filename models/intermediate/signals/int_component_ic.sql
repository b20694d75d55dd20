{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='as_of_date'
) }}
-- depends_on: {{ ref('int_refresh_window') }}
{#-
    The component scores' rank ICs on every monthly signal date, across all eligible funds:
    the evidence the `learned` scoring weights follow (int_scoring_weights). Dated by
    as_of_date, the day the forward return is complete (macros/signals/signal_quality.sql).
    It reads the component scores directly (not int_signal_inputs), so a live refresh, which
    rebuilds everything the rankings need, does not rebuild the peers. The components: the
    registry macros/scoring/score_components.sql.

    A live refresh computes the rows complete on or after refresh_from: those of the signal
    dates with a forward return completed since (from `first_new`), and it reads the scores
    from each component's signal date before that one, which a top quintile's turnover
    compares with.
-#}
{%- set scores = component_columns('score_{c}') %}
{%- set first_read = none %}
{%- if is_incremental_refresh() and is_incremental() and execute %}
    {%- set first_new = run_query(
        'select min(signal_date)::varchar from ' ~ ref('int_signal_forward_returns')
        ~ ' where return_complete_date >= ' ~ live_refresh_from()
    ).columns[0].values()[0] %}
    {%- set first_read = "date '9999-12-31'" %}
    {%- if first_new %}
        {%- set previous = [] %}
        {%- for score in scores %}
            {%- do previous.append(
                'max(as_of_date) filter (where ' ~ score ~ ' is not null)'
            ) %}
        {%- endfor %}
        {%- set before = run_query(
            'select least(' ~ previous | join(', ') ~ ')::varchar from '
            ~ ref('int_component_scores') ~ " where as_of_date < date '" ~ first_new ~ "'"
            ~ ' and as_of_date in (select signal_date from ' ~ ref('int_signal_dates') ~ ')'
        ).columns[0].values()[0] %}
        {%- set first_read = "date '" ~ (before or first_new) ~ "'" %}
    {%- endif %}
{%- endif %}
{%- set components -%}
    (
        unpivot (
            select
                'all' as cross_section,
                components.as_of_date as signal_date,
                components.ticker,
                {{ scores | join(', ') }}
            from {{ ref('int_component_scores') }} as components
            where
                components.as_of_date in (select signal_date from {{ ref('int_signal_dates') }})
                and components.as_of_date >= {{ first_read or "date '0001-01-01'" }}
        )
        on {{ scores | join(', ') }}
        into name signal value signal_value
    )
{%- endset %}

select * from ({{ signal_quality(components, 'cross_section') }})
{{ live_tail('as_of_date') }}
