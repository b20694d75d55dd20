{#-
    Every raw price row cleaning removed, with the reason and the values as read.
-#}
with

quarantined as (
    select * from {{ ref('int_prices_quarantined') }}
),

final as (
    select
        price_date as date,
        ticker,
        quarantine_reason as reason,
        quarantine_detail as reason_detail,
        open_raw as open,
        high_raw as high,
        low_raw as low,
        close_raw as close,
        volume_raw as volume,
        adj_close_raw as adj_close,
        raw_line,
        source_file,
        source_line::bigint as source_line
    from quarantined
)

select * from final
