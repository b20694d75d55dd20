{#-
    One row per key of the first part, with the columns of every part where that part has the
    key (null where it has not): a left join of several inputs onto the first, written as a
    stack grouped by the key.

    Why not joins: at 3,000 funds, DuckDB 2.0's hash joins of several inputs of ~9 M rows in one
    pipeline sized their build side for memory the page cache held and then could not spill it
    ("Out of Memory Error: failed to pin block", reproducible outside dbt with a warm page
    cache; the same query passed under a 1.5 GB memory limit and failed under 3.7 GB, also with
    one thread and with operator_memory_limit). A grouped aggregate spills reliably.

    parts: a list of {'from': a relation or CTE, 'columns': {output name: expression} or a list
    of column names}, and optionally 'keys': {key name: expression} where the part names its
    keys differently. Each key must be unique within a part: any_value takes the one non-null
    value a key has there.
-#}
{% macro merge_by_key(parts, keys=['ticker', 'price_date']) -%}
    {%- set names = [] -%}
    {%- set columns_of = [] -%}
    {%- for part in parts -%}
        {%- set columns = {} -%}
        {%- for name in part['columns'] -%}
            {%- do names.append(name) -%}
            {%- do columns.update({
                name: part['columns'][name] if part['columns'] is mapping else name
            }) -%}
        {%- endfor -%}
        {%- do columns_of.append(columns) -%}
    {%- endfor -%}
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        {%- for name in names %}
        any_value({{ name }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        {%- for part in parts %}
        select
            {%- for key in keys %}
            {%- set expression = part.get('keys', {}).get(key, key) %}
            {{ expression }}{{ ' as ' ~ key if expression != key }},
            {%- endfor %}
            {{ 'true' if loop.first else 'null::boolean' }} as is_first_part_row,
            {%- for name, expression in columns_of[loop.index0].items() %}
            {{ expression }}{{ ' as ' ~ name if expression != name }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ part['from'] }}
        {%- if not loop.last %}
        union all by name
        {%- endif %}
        {%- endfor %}
    ) as stacked
    group by {{ keys | join(', ') }}
    having bool_or(is_first_part_row)
{%- endmacro %}
