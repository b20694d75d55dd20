{#-
    The user's universe file, typed. Columns other than `ticker` are optional: a missing column
    arrives as null (the empty template below guarantees it exists).
-#}
with

checked_file as (
    -- depends on input_files so the file-level check (exists, has `ticker`) runs first
    select file_path from {{ ref('input_files') }}
    where file_role = 'universe'
),

template as (
    select
        null::varchar as ticker,
        null::varchar as name,
        null::varchar as asset_class,
        null::varchar as sub_class,
        null::varchar as region,
        null::varchar as currency,
        null::varchar as leverage
    where false
),

raw_etfs as (
    select
        *,
        row_number() over () + 1 as source_line
    from (
        select * from template
        union all by name
        select * from {{ source('universe_file', 'raw_etfs') }}
    )
),

final as (
    select
        nullif(upper(trim(raw_etfs.ticker)), '') as ticker,
        nullif(trim(raw_etfs.name), '') as etf_name,
        nullif(lower(trim(raw_etfs.asset_class)), '') as asset_class,
        nullif(lower(trim(raw_etfs.sub_class)), '') as sub_class,
        nullif(upper(trim(raw_etfs.region)), '') as region,
        nullif(upper(trim(raw_etfs.currency)), '') as currency,
        try_cast(nullif(trim(raw_etfs.leverage), '') as double) as leverage,
        (select any_value(checked_file.file_path) from checked_file) as source_file,
        raw_etfs.source_line
    from raw_etfs
)

select * from final
