{#-
    The registry of the score's components (macros/scoring/score_components.sql) as rows, for
    int_component_scores (a Python model, which cannot call the macro): one row per input, in
    registry order, with its blend weight (null for a single-input component, ranked as it is)
    and the input as SQL over int_scoring_universe's columns (higher = better).
-#}
{%- set rows = [] %}
{%- for component in score_components() %}
{%- if component.blend %}
{%- for weight, input in component.blend %}
{%- do rows.append([component.name, loop.index, weight, input]) %}
{%- endfor %}
{%- else %}
{%- do rows.append([component.name, 1, none, component.input]) %}
{%- endif %}
{%- endfor %}

select
    registry.component,
    registry.component_order,
    registry.input_order,
    registry.weight,
    registry.input_sql
from (
    values
    {%- for name, input_order, weight, input in rows %}
    (
        '{{ name }}',
        {{ score_component_names().index(name) + 1 }},
        {{ input_order }},
        {{ "'" ~ weight ~ "'" if weight is not none else 'null' }}::varchar,
        '{{ input | replace("'", "''") }}'
    ){{ ',' if not loop.last }}
    {%- endfor %}
) as registry (component, component_order, input_order, weight, input_sql)
