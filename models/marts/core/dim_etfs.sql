-- One row per ETF with clean prices: metadata (or inferred asset class), risk category,
-- listing history and delisting status.
with

classified as (
    select * from {{ ref('int_etfs_classified') }}
),

risk_rules as (
    select * from {{ ref('risk_category_rules') }}
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

risk_matched as (
    select
        classified.ticker,
        arg_min(risk_rules.risk_category, risk_rules.priority) as rule_risk_category
    from classified
    inner join risk_rules
        on
            classified.asset_class like risk_rules.asset_class
            and classified.sub_class like risk_rules.sub_class_like
    group by classified.ticker
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
        case
            when classified.leverage != 1 then 'very_high'
            else coalesce(risk_matched.rule_risk_category, 'high')
        end as risk_category,
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
    left outer join risk_matched
        on classified.ticker = risk_matched.ticker
    left outer join row_counts
        on classified.ticker = row_counts.ticker
)

select * from final
