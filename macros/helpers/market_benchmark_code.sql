{#- Code of the benchmark that stands for "the market" in this build: AU_EQUITY for the embedded
    sample (an Australian investor's market), MARKET for real files. -#}
{% macro market_benchmark_code() -%}
    {{- 'AU_EQUITY' if var('prices_path', none) is none else 'MARKET' -}}
{%- endmacro %}
