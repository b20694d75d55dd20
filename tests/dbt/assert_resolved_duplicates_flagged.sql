{#-
    A day read more than once keeps one row, and that row says so: every ticker and date with a
    duplicate_day quarantine row has its kept row in fct_daily_prices flagged
    duplicate_resolved, and no other row is.
-#}
with

duplicated_days as (
    select distinct
        ticker,
        date
    from {{ ref('fct_price_quarantine') }}
    where reason = 'duplicate_day'
),

flagged_days as (
    select
        ticker,
        date
    from {{ ref('fct_daily_prices') }}
    where correction_flags like '%duplicate_resolved%'
),

final as (
    select
        coalesce(duplicated_days.ticker, flagged_days.ticker) as ticker,
        coalesce(duplicated_days.date, flagged_days.date) as date,
        duplicated_days.ticker is not null as is_duplicated,
        flagged_days.ticker is not null as is_flagged
    from duplicated_days
    full outer join flagged_days
        on duplicated_days.ticker = flagged_days.ticker and duplicated_days.date = flagged_days.date
    where duplicated_days.ticker is null or flagged_days.ticker is null
)

select * from final
