{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='price_date'
) }}
{#-
    All point-in-time SQL features of a ticker on a date, one row per clean price row: the input
    of the scoring and forecasting models. Windows count rows, not calendar days: a window spans
    the ticker's last N clean rows (window_1m .. window_12m: 21, 63, 126, 252 by default), and a
    value is null until its window is full.

    - Momentum: total return over 1, 3, 6 and 12 months, and 12-1 month skip-month momentum
      (from 12 months ago to 1 month ago, leaving out the short-term reversal of the last
      month); decimals from the total-return index.
    - Volatility: realised volatility of daily log returns over 1, 3 and 12 months, annualised
      with sqrt(trading_days_per_year), and the 3-month downside deviation (root mean square of
      the negative log returns, annualised).
    - Drawdowns: the total-return index's drawdown from its running peak since the ticker's
      first row (a negative decimal, 0 at a new high), and the deepest over the last 12 months.
    - Liquidity: average daily volume in units over 1 and 3 months; average daily traded value
      (close x volume, in the price currency; split-proof, unlike units) over 1 and 3 months;
      Amihud illiquidity over 3 months (mean of |daily return| / traded value per million
      traded, over days with volume, a day's ratio capped at 1e6: higher = a trade moves the
      price more); volume trend ln(1-month / 6-month average traded value) (positive = rising
      interest); shares of zero-volume and of stale days (no trade, unchanged close) over 3
      months.

    Sums and averages are taken in fixed point (log returns to 1e-12, volume to 1e-3 units,
    traded value to the cent, Amihud to 1e-9), so every value depends on its window's rows
    only, bit for bit.

    One query, one sort (issue 21): every window shares the partition by ticker ordered by date,
    so DuckDB sorts the rows once (the running peak once more). The four groups were four views
    joined back on ticker and date: 3,000 funds 86.7 -> 61.6 CPU-s, the same rows.

    A live refresh reads `window_12m` rows of each ticker's history before the new prices
    (macros/live/live_refresh.sql: live_history_since), the running peak before those from an
    aggregate, and writes the rows dated on or after refresh_from.
-#}
{%- set since = live_history_since(
    'int_etf_features_daily', ref('int_prices_adjusted'), var('window_12m')
) %}

with

prices as (
    select
        ticker,
        price_date,
        obs_index,
        close,
        adj_close,
        daily_return,
        log_return,
        is_stale,
        has_detected_action,
        sessions_missing_before,
        -- fixed-point inputs of the windowed sums
        {{ fixed_point('log_return', '1e12') }} as log_return_fp,
        {{ fixed_point('least(log_return, 0)', '1e12') }} as downside_fp,
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

-- a live refresh reads prices from `since` on, so the peak before that comes from the earlier
-- rows; a full build reads every row and this is empty
earlier_peaks as (
    select
        ticker,
        max(adj_close) as earlier_peak
    from {{ ref('int_prices_adjusted') }}
    where price_date < {{ since or 'null' }}
    group by ticker
),

peaks as (
    select
        prices.*,
        greatest(
            max(prices.adj_close) over history_to_date,
            coalesce(earlier_peaks.earlier_peak, max(prices.adj_close) over history_to_date)
        ) as running_peak
    from prices
    left outer join earlier_peaks on prices.ticker = earlier_peaks.ticker
    window history_to_date as (
        partition by prices.ticker order by prices.price_date
        rows between unbounded preceding and current row
    )
),

final as (
    select
        -- keys
        ticker,
        price_date,
        obs_index,
        -- prices and returns
        close,
        adj_close,
        daily_return,
        log_return,
        -- momentum
        adj_close / lag(adj_close, {{ var('window_1m') }}) over by_ticker - 1 as momentum_1m,
        adj_close / lag(adj_close, {{ var('window_3m') }}) over by_ticker - 1 as momentum_3m,
        adj_close / lag(adj_close, {{ var('window_6m') }}) over by_ticker - 1 as momentum_6m,
        adj_close / lag(adj_close, {{ var('window_12m') }}) over by_ticker - 1 as momentum_12m,
        lag(adj_close, {{ var('window_1m') }}) over by_ticker
        / lag(adj_close, {{ var('window_12m') }}) over by_ticker - 1 as momentum_12_1,
        -- risk
        {%- for label, window in [('1m', var('window_1m')), ('3m', var('window_3m')),
                                  ('12m', var('window_12m'))] %}
        {{ when_full_window(
            exact_window_stddev('log_return_fp', '1e12', trailing_rows(window))
            ~ ' * sqrt(' ~ var('trading_days_per_year') ~ ')',
            'log_return', window) }} as realized_vol_{{ label }}_ann,
        {%- endfor %}
        {{ when_full_window(
            'sqrt((sum(downside_fp::hugeint * downside_fp) over '
            ~ trailing_rows(var('window_3m')) ~ ')::double / ' ~ var('window_3m')
            ~ ' * ' ~ var('trading_days_per_year') ~ ') / 1e12',
            'log_return', var('window_3m')) }} as downside_vol_3m_ann,
        adj_close / running_peak - 1 as drawdown,
        min(adj_close / running_peak - 1) over {{ trailing_rows(var('window_12m')) }}
            as max_drawdown_12m,
        -- liquidity
        {%- for label, window in [('1m', var('window_1m')), ('3m', var('window_3m'))] %}
        {{ when_full_window(exact_window_avg('volume_fp', '1e3', trailing_rows(window)),
            'price_date', window) }} as adv_{{ label }}_units,
        {%- endfor %}
        {%- for label, window in [('1m', var('window_1m')), ('3m', var('window_3m'))] %}
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
            'price_date', var('window_3m')) }} as stale_share_3m,
        -- data flags
        is_stale,
        has_detected_action,
        sessions_missing_before
    from peaks
    window by_ticker as (partition by ticker order by price_date)
)

select * from final
{{ live_tail('price_date') }}
