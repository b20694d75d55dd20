{#- The weights mode the ranking uses (var scoring_weights_mode), checked: an unknown mode
    stops the build instead of silently matching no weights. -#}
{% macro scoring_weights_mode() -%}
    {%- set mode = var('scoring_weights_mode') | string -%}
    {#- (`exceptions` is dbt's; the SQL linter renders without it) -#}
    {%- if mode not in ['regime', 'fixed', 'learned'] and exceptions is defined -%}
        {{- exceptions.raise_compiler_error(
            "var scoring_weights_mode is '" ~ mode ~ "': use regime, fixed or learned"
        ) -}}
    {%- endif -%}
    {{- mode -}}
{%- endmacro %}

{#- The horizon (sessions) of the ICs the learned weights follow (var learned_weights_horizon),
    checked against the horizons the ICs are computed at (signal_horizons). -#}
{% macro learned_weights_horizon() -%}
    {%- set horizon = var('learned_weights_horizon') | int -%}
    {%- if horizon not in signal_horizons() and exceptions is defined -%}
        {{- exceptions.raise_compiler_error(
            "var learned_weights_horizon is " ~ horizon ~ ": use one of " ~ signal_horizons()
        ) -}}
    {%- endif -%}
    {{- horizon -}}
{%- endmacro %}
