-- Nothing is lost silently: for every ticker (and for rows with no ticker), the raw rows read
-- equal the clean rows plus the quarantined rows.
with

raw_rows as (
    select
        coalesce(ticker, '<no ticker>') as ticker_key,
        count(*) as n_raw
    from {{ ref('int_prices_parsed') }}
    group by ticker_key
),

clean_rows as (
    select
        ticker as ticker_key,
        count(*) as n_clean
    from {{ ref('fct_daily_prices') }}
    group by ticker_key
),

quarantined_rows as (
    select
        coalesce(ticker, '<no ticker>') as ticker_key,
        count(*) as n_quarantined
    from {{ ref('fct_price_quarantine') }}
    group by ticker_key
),

compared as (
    select
        coalesce(raw_rows.ticker_key, clean_rows.ticker_key, quarantined_rows.ticker_key)
            as ticker_key,
        coalesce(raw_rows.n_raw, 0) as n_raw,
        coalesce(clean_rows.n_clean, 0) as n_clean,
        coalesce(quarantined_rows.n_quarantined, 0) as n_quarantined
    from raw_rows
    full outer join clean_rows
        on raw_rows.ticker_key = clean_rows.ticker_key
    full outer join quarantined_rows
        on coalesce(raw_rows.ticker_key, clean_rows.ticker_key) = quarantined_rows.ticker_key
)

select * from compared
where n_raw != n_clean + n_quarantined
