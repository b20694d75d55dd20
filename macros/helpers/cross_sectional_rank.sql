{#- Percentile rank of `column` among the rows of the same date, centred on zero: from -0.5
    (lowest) to 0.5 (highest), ties sharing a rank; null stays null. Ranks make features
    comparable across dates and robust to outliers.

    `rank` is the row's cross_sectional_rank_order(column) and `count` the number of the date's
    rows where `column` is not null (count(column) grouped by the date): computed once per date
    and joined back, not as a window per row. -#}
{% macro cross_sectional_rank(column, rank, count) -%}
    case
        when {{ column }} is not null
            then ({{ rank }} - 1) / nullif({{ count }} - 1, 0) - 0.5
    end
{%- endmacro %}

{#- The rank of `column` among the rows of the same `partition_by`, 1 for the lowest, ties
    sharing the lowest rank of their group; nulls last, so a value's rank counts only the
    values below it. -#}
{% macro cross_sectional_rank_order(column, partition_by='price_date') -%}
    rank() over (partition by {{ partition_by }} order by {{ column }} nulls last)
{%- endmacro %}
