{#- Sum of a fixed-point column (see fixed_point) over a window, back as a double: exact and
    independent of the order DuckDB combines the rows in. -#}
{% macro exact_window_sum(fixed_point_column, scale, window) -%}
    (sum({{ fixed_point_column }}) over {{ window }})::double / {{ scale }}
{%- endmacro %}
