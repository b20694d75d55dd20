{#- Sum of a double over a group's rows, added one by one in a fixed order (`order_by` must
    order the group's rows totally; nulls are ignored, like sum). A plain sum() in a GROUP BY adds
    in an order that depends on DuckDB's threads, so two builds of the same data could differ in
    the last bits; this one gives the same bits every time. Null for no rows or only nulls. -#}
{% macro ordered_sum(expression, order_by) -%}
    list_sum(list({{ expression }} order by {{ order_by }}))
{%- endmacro %}
