{#-
    One row per key of the first part, with the columns of every part where that part has the
    key (null where it has not): a left join of several inputs onto the first, on every key.

    All the joins run in one pipeline: DuckDB builds a hash table on each later part, streams
    the first part past them, and spills those tables when they do not fit. That holds while
    the later parts are the build side. DuckDB builds on the side it estimates smaller (its
    build_side_probe_side optimizer) and estimates a range filter to keep a fifth of the rows:
    a first part filtered that way, and its later parts not, made it build on the wide first
    part, tables several times their estimate that it did not spill ("Out of Memory Error:
    failed to pin block" at 3,000 funds under the 4 GB limit). So filter every part alike
    (int_ml_panel_inputs restricts each to the panel's rows) or none.

    These joins replaced ASOF joins (each later part matched to its latest date on or before
    the first part's, kept where the dates are equal), which DuckDB runs as partitioned sorts:
    the same rows at about three times the CPU (benchmarks/scale.md, "2026-12-06, later").

    parts: a list of {'from': a relation or CTE, 'columns': {output name: expression} or a list
    of column names}, and optionally 'keys': {key name: expression} where the part names its
    keys differently. Each key must be unique within a part.
-#}
{% macro merge_by_key(parts, keys=['ticker', 'price_date']) -%}
    select
        {%- for key in keys %}
        part_0.{{ key }},
        {%- endfor %}
        {%- for part in parts %}
        {%- set part_index = loop.index0 %}
        {%- for name in part['columns'] %}
        part_{{ part_index }}.{{ name }}{{ ',' if not (loop.last and part_index == parts | length - 1) }}
        {%- endfor %}
        {%- endfor %}
    from
        {%- for part in parts %}
        {%- set part_index = loop.index0 %}
        {%- if not loop.first %}
        left outer join
        {%- endif %}
        (
            select
                {%- for key in keys %}
                {%- set expression = part.get('keys', {}).get(key, key) %}
                {{ expression }}{{ ' as ' ~ key if expression != key }},
                {%- endfor %}
                {%- for name in part['columns'] %}
                {%- set expression = part['columns'][name] if part['columns'] is mapping else name %}
                {{ expression }}{{ ' as ' ~ name if expression != name }}
                {{- ',' if not loop.last }}
                {%- endfor %}
            from {{ part['from'] }}
        ) as part_{{ part_index }}
        {%- if not loop.first %}
            on
            {%- for key in keys %}
                part_{{ part_index }}.{{ key }} = part_0.{{ key }}{{ ' and' if not loop.last }}
            {%- endfor %}
        {%- endif %}
        {%- endfor %}
{%- endmacro %}
