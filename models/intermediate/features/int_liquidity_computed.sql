{#-
    Volume and liquidity over trailing windows of rows:
      - average daily volume in units (shares) over 1 and 3 months;
      - average daily traded value (close x volume, in the price currency) over 1 and 3 months;
        split-proof, unlike units;
      - Amihud illiquidity over 3 months: mean of |daily return| / traded value, per million of
        currency traded, over days with volume (higher = a trade moves the price more);
      - volume trend: ln(1-month / 6-month average traded value) (positive = rising interest);
      - share of zero-volume days and of stale days (no trade, unchanged close) over 3 months.
    Null until the window is full.
-#}

with

prices as (
    select
        ticker,
        price_date,
        volume,
        close * volume as traded_value,
        daily_return,
        is_zero_volume::int as zero_volume_day,
        is_stale::int as stale_day
    from {{ ref('int_prices_adjusted') }}
),

final as (
    select
        ticker,
        price_date,
        {{ when_full_window('avg(volume) over ' ~ trailing_rows(var('window_1m')),
            'price_date', var('window_1m')) }} as adv_1m_units,
        {{ when_full_window('avg(volume) over ' ~ trailing_rows(var('window_3m')),
            'price_date', var('window_3m')) }} as adv_3m_units,
        {{ when_full_window('avg(traded_value) over ' ~ trailing_rows(var('window_1m')),
            'price_date', var('window_1m')) }} as traded_value_1m,
        {{ when_full_window('avg(traded_value) over ' ~ trailing_rows(var('window_3m')),
            'price_date', var('window_3m')) }} as traded_value_3m,
        {{ when_full_window(
            'avg(case when traded_value > 0 then abs(daily_return) / traded_value end) over '
            ~ trailing_rows(var('window_3m')) ~ ' * 1e6',
            'price_date', var('window_3m')) }} as amihud_illiquidity_3m,
        {{ when_full_window(
            'ln(nullif(avg(traded_value) over ' ~ trailing_rows(var('window_1m'))
            ~ ', 0) / nullif(avg(traded_value) over ' ~ trailing_rows(var('window_6m')) ~ ', 0))',
            'price_date', var('window_6m')) }} as volume_trend,
        {{ when_full_window('avg(zero_volume_day) over ' ~ trailing_rows(var('window_3m')),
            'price_date', var('window_3m')) }} as zero_volume_share_3m,
        {{ when_full_window('avg(stale_day) over ' ~ trailing_rows(var('window_3m')),
            'price_date', var('window_3m')) }} as stale_share_3m
    from prices
    window by_ticker as (partition by ticker order by price_date)
)

select * from final
