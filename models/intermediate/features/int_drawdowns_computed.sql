{#-
    Drawdown of the total-return index from its running peak (since the ticker's first row),
    as a negative decimal (0 at a new high), and the deepest such drawdown seen over the last 12
    months of rows. Both use only rows up to the current one.
-#}

with

prices as (
    select
        ticker,
        price_date,
        adj_close
    from {{ ref('int_prices_adjusted') }}
),

peaks as (
    select
        ticker,
        price_date,
        adj_close,
        max(adj_close) over history_to_date as running_peak
    from prices
    window history_to_date as (
        partition by ticker order by price_date
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
