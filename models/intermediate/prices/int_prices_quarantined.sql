{#-
    Raw rows removed by cleaning, with the reason and the values as read.
-#}
with

validated as (
    select * from {{ ref('int_prices_validated') }}
),

final as (
    select
        price_date,
        ticker,
        quarantine_reason,
        quarantine_detail,
        source_file,
        source_line,
        raw_line,
        open_raw,
        high_raw,
        low_raw,
        close_raw,
        volume_raw,
        adj_close_raw
    from validated
    where quarantine_reason is not null
)

select * from final
