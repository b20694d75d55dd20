{#-
    Drawdown of the total-return index from its running peak (since the ticker's first row),
    as a negative decimal (0 at a new high), and the deepest such drawdown seen over the last 12
    months of rows. Both use only rows up to the current one.
-#}

{%- set since = live_history_since(
    'int_etf_features_daily', ref('int_prices_adjusted'), var('window_12m')
) %}

with

prices as (
    select
        ticker,
        price_date,
        adj_close
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
        prices.ticker,
        prices.price_date,
        prices.adj_close,
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
        ticker,
        price_date,
        adj_close / running_peak - 1 as drawdown,
        min(adj_close / running_peak - 1) over {{ trailing_rows(var('window_12m')) }}
            as max_drawdown_12m
    from peaks
)

select * from final
