{#- Mean of a fixed-point column over a window (nulls ignored), exact before the one division. -#}
{% macro exact_window_avg(fixed_point_column, scale, window) -%}
    (sum({{ fixed_point_column }}) over {{ window }})::double
    / (count({{ fixed_point_column }}) over {{ window }} * {{ scale }})
{%- endmacro %}
