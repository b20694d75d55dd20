{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='date',
    on_schema_change='fail'
) }}
{#-
    One row per ticker and day that survived cleaning, with total returns. A live refresh
    copies only the rows int_prices_adjusted recomputed (dated on or after refresh_from).
-#}
with

adjusted as (
    select * from {{ ref('int_prices_adjusted') }}
    {{- live_tail('price_date') }}
),

final as (
    select
        -- keys
        price_date as date,
        ticker,
        obs_index::bigint as obs_index,
        -- prices as traded (repaired where flagged)
        open,
        high,
        low,
        close,
        volume,
        -- total return
        adj_close,
        daily_return,
        log_return,
        return_basis,
        split_ratio,
        distribution_amount,
        vendor_adj_close,
        -- data flags
        sessions_missing_before::integer as sessions_missing_before,
        coalesce(is_trading_day, false) as is_trading_day,
        coalesce(is_zero_volume, false) as is_zero_volume,
        coalesce(is_stale, false) as is_stale,
        has_detected_action,
        (
            is_ohlc_filled or is_ohlc_repaired or is_volume_negative
            or n_copies_of_day > 1
        ) as is_corrected,
        nullif(concat_ws(
            ', ',
            case when is_ohlc_filled then 'ohlc_filled' end,
            case when is_ohlc_repaired then 'ohlc_repaired' end,
            case when is_volume_missing then 'volume_missing' end,
            case when is_volume_negative then 'volume_negative' end,
            case when n_copies_of_day > 1 then 'duplicate_resolved' end
        ), '') as correction_flags,
        -- lineage
        source_file,
        source_line::bigint as source_line
    from adjusted
)

select * from final
