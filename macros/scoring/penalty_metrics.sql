{#- The fund metrics a penalty rule (seed penalty_rules.metric) can test: columns of
    int_scoring_universe. One list for int_penalties_itemised and the seed's check
    (tests/dbt/assert_penalty_rules_name_known_metrics.sql): a misspelt metric fails the build
    instead of never firing. Add a metric here and to int_scoring_universe. -#}
{% macro penalty_metrics() -%}
    {{- return([
        'history_sessions', 'traded_value_3m', 'garch_vol_21d_ann', 'drawdown',
        'leverage_distance', 'detected_actions_3m', 'stale_share_3m', 'missing_sessions_3m'
    ]) -}}
{%- endmacro %}
