{#- 0-100 percentile of `expression` among the rows of the same `partition_by`: 0 for the
    lowest, 100 for the highest, ties sharing a value. Use on eligible rows only: the result is
    a rank within whatever set the query holds. -#}
{% macro percentile_score(expression, partition_by='as_of_date') -%}
    100.0 * percent_rank() over (partition by {{ partition_by }} order by {{ expression }})
{%- endmacro %}
