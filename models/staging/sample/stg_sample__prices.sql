{#-
    The embedded sample's raw prices in the same untyped shape as stg_price_files__prices, so the
    rest of the pipeline treats generated and real data identically.
-#}
with

sample_prices as (
    select * from {{ ref('sample_prices') }}
),

final as (
    select
        'sample' as source_file,
        source_line,
        ticker,
        strftime(date, '%Y-%m-%d') as date_text,
        open::varchar as open_text,
        high::varchar as high_text,
        low::varchar as low_text,
        close::varchar as close_text,
        volume::varchar as volume_text,
        null::varchar as adj_close_text,
        concat_ws(',', strftime(date, '%Y-%m-%d'), ticker, open, high, low, close, volume)
            as raw_line,
        false as is_blank_line,
        false as is_truncated,
        false as has_extra_fields
    from sample_prices
)

select * from final
