{#-
    At the start of a live refresh (on-run-start): every var that shapes a value must have the
    value the last full build recorded in build_settings, else the refresh stops with an error
    naming each one. A refresh recomputes only the newest rows; with other settings they would
    not match the rest, and the warehouse would equal no full build. The files the build read
    are compared by the live pipeline (etf_warehouse/live/build_record.py).
-#}
{#- The vars that change how fast a build runs and never a value: a refresh may differ in them. -#}
{% macro performance_only_vars() -%}
    {{- return(['python_workers', 'build_batch_rows']) -}}
{%- endmacro %}

{% macro check_build_settings() -%}
    {%- if execute and is_incremental_refresh() -%}
        {%- set full_build =
            'run a full build (`dbt build`, or `etfw live --full-build`) before refreshing' -%}
        {%- set recorded = adapter.get_relation(
            database=target.database, schema=target.schema, identifier='build_settings'
        ) -%}
        {%- if recorded is none -%}
            {%- do exceptions.raise_compiler_error(
                'live refresh: this warehouse records no build settings (table build_settings:'
                ~ ' built before it existed, or without it); ' ~ full_build
            ) -%}
        {%- endif -%}
        {%- set built = run_query(
            'select setting_name, setting_value from ' ~ recorded ~ ' where affects_results'
        ) -%}
        {%- set kinds = var_kinds() -%}
        {%- set problems = [] -%}
        {%- for row in built.rows -%}
            {%- if row[0] not in kinds -%}
                {%- do problems.append(row[0] ~ ': built with ' ~ row[1] ~ ', no longer a var') -%}
            {%- elif tojson(var(row[0])) != row[1] -%}
                {%- do problems.append(
                    row[0] ~ ': built with ' ~ row[1] ~ ', now ' ~ tojson(var(row[0]))
                ) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set recorded_names = built.columns[0].values() -%}
        {%- for name in kinds if name not in recorded_names
            and name not in performance_only_vars() -%}
            {%- do problems.append(name ~ ': not a var when the warehouse was built') -%}
        {%- endfor -%}
        {%- if problems -%}
            {%- do exceptions.raise_compiler_error(
                'live refresh: settings differ from the last full build (build_settings):\n  - '
                ~ (problems | join('\n  - ')) ~ '\n' ~ full_build
                ~ ' (the refresh would compute its new rows with other settings than the rest)'
            ) -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
