{#-
    The sample market's ETF metadata (python model sample_etfs), in the shape of a universe file.
-#}
with

sample_etfs as (
    select * from {{ ref('sample_etfs') }}
),

final as (
    select
        ticker,
        name as etf_name,
        asset_class,
        sub_class,
        region,
        currency,
        leverage::double as leverage,
        'sample' as source_file,
        row_number() over (order by ticker) as source_line
    from sample_etfs
)

select * from final
