{#- The strategy every backtest figure is compared with: equal weight over the eligible funds
    without geared, inverse or volatility funds. Keep equal to BENCHMARK in
    etf_warehouse/portfolio/construction.py (tests/unit/test_construction.py checks). -#}
{% macro backtest_benchmark() -%}
    'equal_weight_unlevered'
{%- endmacro %}
