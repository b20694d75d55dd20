{#-
    The live (incremental) refresh. A normal `dbt build` rebuilds every table from scratch. With
    `--vars '{live_refresh: true, ...}'` (what `etfw live` and `etfw replay` run) the models
    that opt in become incremental: they recompute only their "tail", the rows dated on or after
    the earliest date in the newest batch of price files (int_refresh_window.refresh_from), and
    keep the rows before it. That is exact because every such value is point-in-time: a row
    dated before refresh_from uses only data dated before it, which the new files did not touch.
-#}

{#- Whether this run is a live refresh (var live_refresh true, or the string "true"). -#}
{% macro is_incremental_refresh() -%}
    {{- return((var('live_refresh', false) | string | lower) == 'true') -}}
{%- endmacro %}

{#- The materialization of a model that opts in: incremental in a live refresh, else a table. -#}
{% macro live_materialized() -%}
    {{- return('incremental' if is_incremental_refresh() else 'table') -}}
{%- endmacro %}

{#- A SQL list literal of strings: ['a', 'b'] (quotes doubled). -#}
{% macro sql_string_list(values) -%}
    [{% for value in values %}'{{ value | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor %}]
{%- endmacro %}

{#- The first date a live refresh recomputes, as a scalar subquery. In a live refresh, calling
    it also records the model's dependency on int_refresh_window (dbt records refs at parse
    time, when the var is set too), so dbt runs that first. A full build reads nothing from it,
    and its unit tests need no fixture for it. -#}
{% macro live_refresh_from() -%}
    {%- if is_incremental_refresh() -%}
    (select refresh_from from {{ ref('int_refresh_window') }})
    {%- else -%}
    null
    {%- endif -%}
{%- endmacro %}

{#- A model's tail filter: nothing in a full build; in a live refresh, the rows dated on or after
    refresh_from (`column`), or for which `or_where` holds (rows that are not dated by `column`
    alone, such as a label that waited for the new prices). -#}
{% macro live_tail(column, or_where=none) -%}
    {%- set refresh_from = live_refresh_from() %}
    {%- if is_incremental_refresh() and is_incremental() %}
    where {{ column }} >= {{ refresh_from }}
        {%- if or_where %} or ({{ or_where | replace('{refresh_from}', refresh_from) }}){% endif %}
    {%- endif %}
{%- endmacro %}

{#- Incremental strategy `tail` (config tail_column): delete the rows dated on or after
    refresh_from, and those whose date is recomputed, then insert the recomputed tail. -#}
{% macro get_incremental_tail_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] %}
    {%- set temp = arg_dict['temp_relation'] %}
    {%- set column = config.get('tail_column') %}
    {%- if not column %}
        {{ exceptions.raise_compiler_error('incremental_strategy tail needs a tail_column config') }}
    {%- endif %}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) %}
    delete from {{ target }}
    where {{ column }} >= {{ live_refresh_from() }}
        or {{ column }} in (select {{ column }} from {{ temp }});
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ temp }};
    {{ drop_live_temp(temp) }}
{%- endmacro %}

{#- Incremental strategy `append_new`: append the model's new rows (the model selects only
    rows not loaded yet). -#}
{% macro get_incremental_append_new_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) %}
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }};
    {{ drop_live_temp(arg_dict['temp_relation']) }}
{%- endmacro %}

{#- dbt-duckdb 1.11 stores a Python model's incremental batch in a regular table and does not
    drop it: drop it here (for a SQL model it is a temporary table, dropped just the same). -#}
{% macro drop_live_temp(temp) -%}
    drop table if exists {{ temp }};
{%- endmacro %}
