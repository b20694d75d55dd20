{#-
    One row per ETF with clean prices: metadata (or inferred asset class), risk category,
    listing history and delisting status (last row more than `delisting_grace_sessions`
    sessions before the data end). dim_etfs publishes it; the backtest reads it from here.
-#}
with

classified as (
    select * from {{ ref('int_etfs_classified') }}
),

calendar as (
    select * from {{ ref('int_trading_calendar') }}
),

row_counts as (
    select
        ticker,
        count(*) filter (where quarantine_reason is null) as n_clean_rows,
        count(*) filter (where quarantine_reason is not null) as n_quarantined_rows
    from {{ ref('int_prices_validated') }}
    group by ticker
),

data_end as (
    select max(trading_days_to_date) as last_trading_day_number
    from calendar
),

final as (
    select
        -- ids and attributes
        classified.ticker,
        classified.etf_name,
        classified.asset_class,
        classified.sub_class,
        classified.region,
        classified.currency,
        classified.leverage::double as leverage,
        classified.risk_category,
        classified.asset_class_source,
        classified.inference_method,
        classified.inferred_as_of_date,
        classified.has_metadata,
        -- listing history
        classified.first_date,
        classified.last_date,
        (
            data_end.last_trading_day_number - last_day.trading_days_to_date
            > {{ var('delisting_grace_sessions') }}
        ) as is_delisted,
        row_counts.n_clean_rows,
        row_counts.n_quarantined_rows
    from classified
    cross join data_end
    left outer join calendar as last_day
        on classified.last_date = last_day.price_date
    left outer join row_counts
        on classified.ticker = row_counts.ticker
)

select * from final
