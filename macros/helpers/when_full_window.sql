{#- `expression` when the last `n` rows all have a non-null `column`, else null: a 21-day
    volatility from 5 returns is not a 21-day volatility. -#}
{% macro when_full_window(expression, column, n, partition_by='ticker', order_by='price_date') -%}
    case
        when count({{ column }}) over {{ trailing_rows(n, partition_by, order_by) }} = {{ n | int }}
            then {{ expression }}
    end
{%- endmacro %}
