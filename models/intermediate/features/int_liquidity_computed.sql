{#-
    Volume and liquidity over trailing windows of rows:
      - average daily volume in units (shares) over 1 and 3 months;
      - average daily traded value (close x volume, in the price currency) over 1 and 3 months;
        split-proof, unlike units;
      - Amihud illiquidity over 3 months: mean of |daily return| / traded value, per million of
        currency traded, over days with volume (higher = a trade moves the price more); a day's
        ratio is capped at 1e6 per million;
      - volume trend: ln(1-month / 6-month average traded value) (positive = rising interest);
      - share of zero-volume days and of stale days (no trade, unchanged close) over 3 months.
    Null until the window is full. Averages are taken over fixed-point values (volume to 1e-3
    units, traded value to the cent, Amihud to 1e-9) so every value depends on its window's rows
    only, bit for bit.
-#}

{%- set since = live_history_since(
    'int_etf_features_daily', ref('int_prices_adjusted'), var('window_12m')
) %}

with

prices as (
    select
        ticker,
        price_date,
        {{ fixed_point('volume', '1e3') }} as volume_fp,
        {{ fixed_point('close * volume', '1e2') }} as traded_value_fp,
        {{ fixed_point(
            'case when close * volume > 0 and daily_return is not null'
            ~ ' then least(abs(daily_return) / (close * volume) * 1e6, 1e6) end',
            '1e9'
        ) }} as amihud_fp,
        is_zero_volume::int as zero_volume_day,
        is_stale::int as stale_day
    from {{ ref('int_prices_adjusted') }}
    {{- where_since('price_date', since) }}
),

final as (
    select
        ticker,
        price_date,
        {%- for label, window in [('1m', var('window_1m')), ('3m', var('window_3m'))] %}
        {{ when_full_window(exact_window_avg('volume_fp', '1e3', trailing_rows(window)),
            'price_date', window) }} as adv_{{ label }}_units,
        {{ when_full_window(exact_window_avg('traded_value_fp', '1e2', trailing_rows(window)),
            'price_date', window) }} as traded_value_{{ label }},
        {%- endfor %}
        {{ when_full_window(
            exact_window_avg('amihud_fp', '1e9', trailing_rows(var('window_3m'))),
            'price_date', var('window_3m')) }} as amihud_illiquidity_3m,
        {{ when_full_window(
            'ln(nullif(' ~ exact_window_avg('traded_value_fp', '1e2', trailing_rows(var('window_1m')))
            ~ ', 0) / nullif('
            ~ exact_window_avg('traded_value_fp', '1e2', trailing_rows(var('window_6m')))
            ~ ', 0))',
            'price_date', var('window_6m')) }} as volume_trend,
        {{ when_full_window('avg(zero_volume_day) over ' ~ trailing_rows(var('window_3m')),
            'price_date', var('window_3m')) }} as zero_volume_share_3m,
        {{ when_full_window('avg(stale_day) over ' ~ trailing_rows(var('window_3m')),
            'price_date', var('window_3m')) }} as stale_share_3m
    from prices
)

select * from final
