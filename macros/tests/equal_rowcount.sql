{#- Fails for every group whose row count differs between `model` and `compare_model` (dbt_utils'
    equal_rowcount with group_by_columns, which cannot be installed here). `compare_model_where`
    filters `compare_model` first (e.g. only the rows the model should keep). Each failing row
    names the group and both counts, so a missing range is named. -#}
{% test equal_rowcount(model, compare_model, group_by_columns, compare_model_where=none) %}
{%- set keys = group_by_columns | join(', ') %}
with

model_counts as (
    select {{ keys }}, count(*) as n_model
    from {{ model }}
    group by {{ keys }}
),

compare_counts as (
    select {{ keys }}, count(*) as n_compare
    from {{ compare_model }}
    {%- if compare_model_where %}
    where {{ compare_model_where }}
    {%- endif %}
    group by {{ keys }}
)

select
    {%- for key in group_by_columns %}
    coalesce(model_counts.{{ key }}, compare_counts.{{ key }}) as {{ key }},
    {%- endfor %}
    coalesce(model_counts.n_model, 0) as n_model,
    coalesce(compare_counts.n_compare, 0) as n_compare
from model_counts
full outer join compare_counts
    on {% for key in group_by_columns %}model_counts.{{ key }} = compare_counts.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
where coalesce(model_counts.n_model, 0) != coalesce(compare_counts.n_compare, 0)
{% endtest %}
