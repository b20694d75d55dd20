{#-
    One row per key of the first part, with the columns of every part where that part has the
    key (null where it has not): a left join of several inputs onto the first.

    join='hash' (the default): plain left joins on every key, all in one pipeline. DuckDB builds
    a hash table on each later part and streams the first part past them; it spills those
    tables when they do not fit. That holds while the later parts are the build side: DuckDB
    builds on the side it estimates smaller (its build_side_probe_side optimizer), and a range
    filter on the first part (estimated to keep 20 % of its rows) can make it build on that
    wide part instead, a hash table several times its estimate that it could not spill ("Out of
    Memory Error: failed to pin block" at 3,000 funds under the 4 GB limit). A model whose
    first part is filtered that way passes join='asof'.

    join='asof': ASOF joins, each later part matched on the equality keys and its latest date
    on or before the first part's, its columns kept only where that date is the same. DuckDB
    runs them as partitioned sorts and merges, which spill whatever the estimates, at about
    three times the CPU of the hash joins (benchmarks/scale.md, "2026-12-06, continued").

    parts: a list of {'from': a relation or CTE, 'columns': {output name: expression} or a list
    of column names}, and optionally 'keys': {key name: expression} where the part names its
    keys differently. The last key is the ordered one (a date); each key must be unique within a
    part.
-#}
{% macro merge_by_key(parts, keys=['ticker', 'price_date'], join='hash') -%}
    {%- if join not in ('hash', 'asof') %}
        {{ exceptions.raise_compiler_error("merge_by_key: join must be 'hash' or 'asof', not " ~ join) }}
    {%- endif %}
    {%- set asof = join == 'asof' -%}
    {%- set equal_keys = keys[:-1] -%}
    {%- set order_key = keys[-1] -%}
    select
        {%- for key in keys %}
        part_0.{{ key }},
        {%- endfor %}
        {%- for part in parts %}
        {%- set part_index = loop.index0 %}
        {%- for name in part['columns'] %}
        {%- if part_index == 0 or not asof %}
        part_{{ part_index }}.{{ name }}
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
        {{ 'asof left join' if asof else 'left outer join' }}
        {%- endif %}
        (
            select
                {%- for key in keys %}
                {%- set expression = part.get('keys', {}).get(key, key) %}
                {%- if asof and part_index > 0 and loop.last %}
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
            {%- if asof %}
                part_0.{{ order_key }} >= part_{{ part_index }}.merge_key
            {%- else %}
                part_{{ part_index }}.{{ order_key }} = part_0.{{ order_key }}
            {%- endif %}
        {%- endif %}
        {%- endfor %}
{%- endmacro %}
