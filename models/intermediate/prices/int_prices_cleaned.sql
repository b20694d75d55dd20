{#-
    Kept price rows (repaired where needed), one per ticker and day.
-#}
with

validated as (
    select * from {{ ref('int_prices_validated') }}
),

final as (
    select
        ticker,
        price_date,
        source_file,
        source_line,
        open,
        high,
        low,
        close,
        volume,
        adj_close as vendor_adj_close,
        is_ohlc_filled,
        is_ohlc_repaired,
        is_volume_missing,
        is_volume_negative,
        n_copies_of_day,
        is_detected_split,
        detected_split_ratio,
        log_move_vs_prev,
        split_evidence
    from validated
    where quarantine_reason is null
)

select * from final
