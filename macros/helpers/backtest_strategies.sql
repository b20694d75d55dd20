{#- The strategy names the backtest marts single out (SQL string literals). Keep equal to
    BENCHMARK, SYSTEM_STRATEGY, WITHOUT_CONTEXT_STRATEGY and SURVIVORS_ONLY_SUFFIX in
    etf_warehouse/portfolio/construction.py (tests/unit/test_construction.py checks). -#}

{#- The strategy every backtest figure is compared with: equal weight over the eligible funds
    without geared, inverse or volatility funds. -#}
{% macro backtest_benchmark() -%}
    'equal_weight_unlevered'
{%- endmacro %}

{#- The system's own strategy, on whose row mart_backtest_summary reports the market-context effect. -#}
{% macro backtest_system_strategy() -%}
    'composite'
{%- endmacro %}

{#- The system ranked without the macro/geo multipliers. -#}
{% macro backtest_without_context_strategy() -%}
    'composite_without_market_context'
{%- endmacro %}

{#- A strategy named <base><suffix> is <base> on today's survivors only. -#}
{% macro backtest_survivors_only_suffix() -%}
    '_survivors_only'
{%- endmacro %}
