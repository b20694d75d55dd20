{#-
    One row per key of the first part, with the columns of every part where that part has the
    key (null where it has not): a left join of several inputs onto the first.

    Written as ASOF joins: each later part is matched to the first on the equality keys and its
    latest date on or before the first part's, and its columns kept only where that date is the
    same. DuckDB runs an ASOF join as a partitioned sort and merge, which spills; its hash joins
    of several inputs of ~9-12 M rows in one pipeline (DuckDB 2.0) sized their build side for
    memory the page cache held and could not spill it ("Out of Memory Error: failed to pin
    block", at 3,000 funds under the 4 GB memory limit, reproducible outside dbt). The stack of
    all parts grouped by the key that this macro wrote before also spilled, but at 3,000 funds
    took 27-36 % longer in two of its three models (the same in int_scoring_universe); on the
    150-fund sample the ASOF joins are slower by a few tenths of a second (benchmarks/scale.md).

    parts: a list of {'from': a relation or CTE, 'columns': {output name: expression} or a list
    of column names}, and optionally 'keys': {key name: expression} where the part names its
    keys differently. The last key is the ordered one (a date); each key must be unique within a
    part.
-#}
{% macro merge_by_key(parts, keys=['ticker', 'price_date']) -%}
    {%- set equal_keys = keys[:-1] -%}
    {%- set order_key = keys[-1] -%}
    select
        {%- for key in keys %}
        part_0.{{ key }},
        {%- endfor %}
        {%- for part in parts %}
        {%- set part_index = loop.index0 %}
        {%- for name in part['columns'] %}
        {%- if part_index == 0 %}
        part_0.{{ name }}
        {%- else %}
        case
            when part_{{ part_index }}.merge_key = part_0.{{ order_key }}
                then part_{{ part_index }}.{{ name }}
        end as {{ name }}
        {%- endif %}{{ ',' if not (loop.last and part_index == parts | length - 1) }}
        {%- endfor %}
        {%- endfor %}
    from
        {%- for part in parts %}
        {%- set part_index = loop.index0 %}
        {%- if not loop.first %}
        asof left join
        {%- endif %}
        (
            select
                {%- for key in keys %}
                {%- set expression = part.get('keys', {}).get(key, key) %}
                {%- if part_index > 0 and loop.last %}
                {{ expression }} as merge_key,
                {%- else %}
                {{ expression }}{{ ' as ' ~ key if expression != key }},
                {%- endif %}
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
            {%- for key in equal_keys %}
                part_{{ part_index }}.{{ key }} = part_0.{{ key }} and
            {%- endfor %}
                part_0.{{ order_key }} >= part_{{ part_index }}.merge_key
        {%- endif %}
        {%- endfor %}
{%- endmacro %}
