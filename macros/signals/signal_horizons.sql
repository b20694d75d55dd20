{#- The forward-return horizons (trading sessions) every signal is judged at: one list for
    int_signal_forward_returns and the learned weights' check (renders as a SQL list). -#}
{% macro signal_horizons() -%}
    {{- return([1, 5, 21, 63]) -}}
{%- endmacro %}
