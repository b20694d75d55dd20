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

{#- The first date a live refresh recomputes, as a SQL date literal. It is read from
    int_refresh_window when the model runs (that table is built earlier in the same run), so
    DuckDB can prune by a constant: a scalar subquery here made the tail filters several times
    slower. At parse time it renders the subquery, which records the model's dependency on
    int_refresh_window so dbt runs that first. A full build reads nothing from it, and its unit
    tests need no fixture for it. An empty newest batch renders null: nothing is recomputed. -#}
{% macro live_refresh_from() -%}
    {%- if not is_incremental_refresh() -%}
    null
    {%- else -%}
    {{ live_window_value('refresh_from', 'date') }}
    {%- endif -%}
{%- endmacro %}

{#- The newest batch's ingest_batch, a constant like live_refresh_from: a live refresh's rows
    with no date (quarantined for it) belong to the newest batch. -#}
{% macro live_newest_batch() -%}
    {{ live_window_value('ingest_batch', 'bigint') }}
{%- endmacro %}

{#- A column of int_refresh_window as a constant of `type`, read when the model runs (null when
    the window has no value); at parse time the subquery, which records the dependency. -#}
{% macro live_window_value(column, type) -%}
    {%- set window = ref('int_refresh_window') -%}
    {%- if execute -%}
        {%- set found = run_query('select ' ~ column ~ '::varchar from ' ~ window) -%}
        {%- set value = found.columns[0].values()[0] if found.rows | length else none -%}
        {{- "cast('" ~ value ~ "' as " ~ type ~ ")" if value else 'null' -}}
    {%- else -%}
    (select {{ column }} from {{ window }})
    {%- endif -%}
{%- endmacro %}

{#- A model's tail filter: nothing in a full build; in a live refresh of an existing table, the
    rows dated (`column`) on or after refresh_from. -#}
{% macro live_tail(column) -%}
    {{- live_since(column, live_refresh_from()) -}}
{%- endmacro %}

{#- The earliest date, over tickers, that lies `rows` rows before the ticker's first row on or
    after refresh_from in `relation` (by ticker and price_date); refresh_from itself if earlier.
    A model whose rows look `rows` rows ahead (a forward-return label) must recompute from there;
    a model whose rows look back over `rows` rows (trailing windows) must read from there. Whole
    dates, so cross-sectional values (ranks, daily means) stay exact. `relation` has obs_index,
    the row's position among its ticker's rows by date (1 = first; int_prices_adjusted's): a
    row number over the whole history took 4-10 s at 3,000 funds, for each of the six models
    that ask, in every refresh. -#}
{% macro live_rows_before(relation, rows) -%}
    {%- set refresh_from = live_refresh_from() -%}
    {%- if not (is_incremental_refresh() and execute) or refresh_from == 'null' -%}
        {{- return(refresh_from) -}}
    {%- endif -%}
    {%- set query -%}
        with first_new as (
            select ticker, min(obs_index) as n
            from {{ relation }}
            where price_date >= {{ refresh_from }}
            group by ticker
        )
        select least({{ refresh_from }}, min(rows_before.price_date))::varchar
        from {{ relation }} as rows_before
        inner join first_new
            on rows_before.ticker = first_new.ticker
            and rows_before.obs_index = greatest(first_new.n - {{ rows }}, 1)
    {%- endset -%}
    {%- set value = run_query(query).columns[0].values()[0] -%}
    {{- return("date '" ~ value ~ "'" if value else refresh_from) -}}
{%- endmacro %}

{#- `keyword column >= since` in a live refresh of an existing table, else nothing: for models
    that push their tail filter into their inputs. -#}
{% macro live_since(column, since, keyword='where') -%}
    {%- if is_incremental_refresh() and is_incremental() %}
    {{ keyword }} {{ column }} >= {{ since }}
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
