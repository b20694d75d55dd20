{#-
    Total-return momentum over 1, 3, 6 and 12 months (21, 63, 126, 252 rows by default) and the
    12-1 month skip-month momentum (return from 12 months ago to 1 month ago, which leaves out
    the short-term reversal of the last month). Decimal returns from the total-return index;
    null until the ticker has enough history. Rows, not calendar days: a window spans the
    ticker's last N clean rows.
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
        adj_close
    from {{ ref('int_prices_adjusted') }}
    {{- where_since('price_date', since) }}
),

final as (
    select
        ticker,
        price_date,
        adj_close / lag(adj_close, {{ var('window_1m') }}) over by_ticker - 1 as momentum_1m,
        adj_close / lag(adj_close, {{ var('window_3m') }}) over by_ticker - 1 as momentum_3m,
        adj_close / lag(adj_close, {{ var('window_6m') }}) over by_ticker - 1 as momentum_6m,
        adj_close / lag(adj_close, {{ var('window_12m') }}) over by_ticker - 1 as momentum_12m,
        lag(adj_close, {{ var('window_1m') }}) over by_ticker
        / lag(adj_close, {{ var('window_12m') }}) over by_ticker - 1 as momentum_12_1
    from prices
    window by_ticker as (partition by ticker order by price_date)
)

select * from final
