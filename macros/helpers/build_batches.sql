{#-
    Building a big table in batches, so that its joins and windows fit in DuckDB's memory.

    A model whose work splits cleanly by a key (a date for cross-sectional work, a ticker for
    each fund's own time series) filters its inputs with build_batch_filter(column, relation):
    in a full build of more than `build_batch_rows` rows of `relation`, the model's table is
    created from the first batch of `column`'s values, and its post-hook insert_build_batches()
    inserts the others, each its own statement. Each batch's rows are exactly the rows the
    whole query would give for those values, because every join and window of such a model
    stays within one value of `column` (the model says why in its own header), so the table
    equals the one-statement build row for row.

    Why: DuckDB keeps all of one statement's hash tables and window partitions until it ends,
    and spills them when they do not fit (the 4 GB limit of profiles.yml). At 3,000 funds
    mart_etf_rankings' joins spilled 7.7 GB: 51.7 s and 92 CPU-seconds as one statement, 26.2 s
    and 48.7 in four (benchmarks/scale.md, "2026-12-06, afternoon").

    The batches are ranges of `column` holding about the same number of rows of `relation`
    (quantiles of its values), computed when the model runs. No batching in a live refresh
    (its tail is small), in dbt's unit tests, when `relation` does not exist yet (a compile
    before the first build), or when it holds at most `build_batch_rows` rows (the default
    sample: one statement, as before).
-#}

{#- The batches' predicates on `column` (a list of SQL strings), or none for one statement. -#}
{% macro build_batch_predicates(column, relation) -%}
    {%- if not execute or is_incremental_refresh() or model.resource_type != 'model' -%}
        {{- return(none) -}}
    {%- endif -%}
    {#- `dbt compile` or `docs generate` before the first build: nothing to count -#}
    {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set batch_rows = var('build_batch_rows') | int -%}
    {%- set n_rows = run_query('select count(*) from ' ~ relation).columns[0].values()[0] -%}
    {%- if batch_rows <= 0 or n_rows <= batch_rows -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set n_batches = ((n_rows + batch_rows - 1) // batch_rows) | int -%}
    {%- set fractions = [] -%}
    {%- for i in range(1, n_batches) -%}
        {%- do fractions.append(i / n_batches) -%}
    {%- endfor -%}
    {%- set query -%}
        select distinct unnest(quantile_disc({{ column }}, {{ fractions }}))::varchar as bound
        from {{ relation }}
        order by bound
    {%- endset -%}
    {%- set bounds = run_query(query).columns[0].values() | list -%}
    {#- a quoted literal: DuckDB casts it to the column's type (date or text) -#}
    {%- set predicates = [] -%}
    {%- for bound in bounds -%}
        {%- set quoted = "'" ~ (bound | replace("'", "''")) ~ "'" -%}
        {%- if loop.first -%}
            {%- do predicates.append('(' ~ column ~ ' < ' ~ quoted ~ ' or ' ~ column ~ ' is null)') -%}
        {%- else -%}
            {%- set lower = "'" ~ (bounds[loop.index0 - 1] | replace("'", "''")) ~ "'" -%}
            {%- do predicates.append(column ~ ' >= ' ~ lower ~ ' and ' ~ column ~ ' < ' ~ quoted) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if bounds | length -%}
        {%- do predicates.append(column ~ " >= '" ~ (bounds[-1] | replace("'", "''")) ~ "'") -%}
    {%- endif -%}
    {{- return(predicates if predicates | length > 1 else none) -}}
{%- endmacro %}

{#- The first batch's filter (`true` for one statement), marked so that insert_build_batches()
    finds it in the compiled SQL and swaps in the other batches'. -#}
{% macro build_batch_filter(column, relation) -%}
    {%- set predicates = build_batch_predicates(column, relation) -%}
    {%- if predicates is none -%}
    true
    {%- else -%}
    {#- "*/" in a value would end the comment: JSON may write "/" as "\/" -#}
    /* build_batches {{ tojson(predicates) | replace('*/', '*\\/') }} */ ({{ predicates[0] }}) /* end build_batches */
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of a batched model: insert every batch after the first, each its own statement.
    A marker it cannot read stops the run: the table would hold the first batch only. -#}
{% macro insert_build_batches() -%}
    {%- if execute and model.resource_type == 'model' -%}
    {%- set code = model.compiled_code -%}
    {%- if not code -%}
        {{ exceptions.raise_compiler_error('insert_build_batches: no compiled SQL for ' ~ this) }}
    {%- endif -%}
    {%- set pattern = '/\\* build_batches (\\[.*?\\]) \\*/ \\((.*?)\\) /\\* end build_batches \\*/' -%}
    {%- set found = modules.re.findall(pattern, code) -%}
    {%- if not found and '/* build_batches' in code -%}
        {{ exceptions.raise_compiler_error('insert_build_batches: unreadable batch marker in ' ~ this) }}
    {%- endif -%}
    {%- if found | length -%}
    {%- set predicates = fromjson(found[0][0]) -%}
    {%- for predicate in predicates[1:] -%}
    {%- set batch_code = modules.re.sub(
        pattern, '(' ~ predicate | replace('\\', '\\\\') ~ ')', code) -%}
    insert into {{ this }} by name ({{ batch_code }});
    {% endfor -%}
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}
