{#-
    Realised volatility of daily log returns over 1, 3 and 12 months, annualised with
    sqrt(trading_days_per_year), and the 3-month downside deviation (root mean square of the
    negative log returns, annualised). Null until the window is full.
-#}

with

returns as (
    select
        ticker,
        price_date,
        log_return
    from {{ ref('int_prices_adjusted') }}
),

final as (
    select
        ticker,
        price_date,
        {{ when_full_window(
            'stddev_samp(log_return) over ' ~ trailing_rows(var('window_1m'))
            ~ ' * sqrt(' ~ var('trading_days_per_year') ~ ')',
            'log_return', var('window_1m')) }} as realized_vol_1m_ann,
        {{ when_full_window(
            'stddev_samp(log_return) over ' ~ trailing_rows(var('window_3m'))
            ~ ' * sqrt(' ~ var('trading_days_per_year') ~ ')',
            'log_return', var('window_3m')) }} as realized_vol_3m_ann,
        {{ when_full_window(
            'stddev_samp(log_return) over ' ~ trailing_rows(var('window_12m'))
            ~ ' * sqrt(' ~ var('trading_days_per_year') ~ ')',
            'log_return', var('window_12m')) }} as realized_vol_12m_ann,
        {{ when_full_window(
            'sqrt(avg(least(log_return, 0) ^ 2) over ' ~ trailing_rows(var('window_3m'))
            ~ ' * ' ~ var('trading_days_per_year') ~ ')',
            'log_return', var('window_3m')) }} as downside_vol_3m_ann
    from returns
    window by_ticker as (partition by ticker order by price_date)
)

select * from final
