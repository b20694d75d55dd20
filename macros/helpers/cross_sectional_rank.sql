{#- Percentile rank of `column` among the rows of the same `partition_by` (a date), centred on
    zero: from -0.5 (lowest) to 0.5 (highest), ties sharing a rank; null stays null. Ranks make
    features comparable across dates and robust to outliers. -#}
{% macro cross_sectional_rank(column, partition_by='price_date') -%}
    case
        when {{ column }} is not null
            then (rank() over (partition by {{ partition_by }}, {{ column }} is null order by {{ column }}) - 1)
            / nullif(count({{ column }}) over (partition by {{ partition_by }}) - 1, 0) - 0.5
    end
{%- endmacro %}
