{#- Window of the last `n` rows of a ticker up to and including the current one (so features are
    point-in-time: they only see rows dated on or before the current row). -#}
{% macro trailing_rows(n, partition_by='ticker', order_by='price_date') -%}
    (partition by {{ partition_by }} order by {{ order_by }}
    rows between {{ (n | int) - 1 }} preceding and current row)
{%- endmacro %}
