{#-
    Realised volatility of daily log returns over 1, 3 and 12 months, annualised with
    sqrt(trading_days_per_year), and the 3-month downside deviation (root mean square of the
    negative log returns, annualised). Null until the window is full. Sums are taken in fixed
    point (1e-12) so every value depends on its window's rows only, bit for bit.
-#}
{%- set scale = '1e12' %}

{%- set since = live_history_since(
    'int_etf_features_daily', ref('int_prices_adjusted'), var('window_12m')
) %}

with

returns as (
    select
        ticker,
        price_date,
        log_return,
        {{ fixed_point('log_return', scale) }} as log_return_fp,
        {{ fixed_point('least(log_return, 0)', scale) }} as downside_fp
    from {{ ref('int_prices_adjusted') }}
    {{- where_since('price_date', since) }}
),

final as (
    select
        ticker,
        price_date,
        {%- for label, window in [('1m', var('window_1m')), ('3m', var('window_3m')),
                                  ('12m', var('window_12m'))] %}
        {{ when_full_window(
            exact_window_stddev('log_return_fp', scale, trailing_rows(window))
            ~ ' * sqrt(' ~ var('trading_days_per_year') ~ ')',
            'log_return', window) }} as realized_vol_{{ label }}_ann,
        {%- endfor %}
        {{ when_full_window(
            'sqrt((sum(downside_fp::hugeint * downside_fp) over '
            ~ trailing_rows(var('window_3m')) ~ ')::double / ' ~ var('window_3m')
            ~ ' * ' ~ var('trading_days_per_year') ~ ') / ' ~ scale,
            'log_return', var('window_3m')) }} as downside_vol_3m_ann
    from returns
)

select * from final
