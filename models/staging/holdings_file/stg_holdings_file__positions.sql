{#-
    The user's current holdings, typed. Malformed rows are rejected in mart_trade_list's
    input check with the file and line.
-#}
with

checked_file as (
    select file_path from {{ ref('input_files') }}
    where file_role = 'holdings'
),

raw_positions as (
    select
        *,
        row_number() over () + 1 as source_line
    from {{ source('holdings_file', 'raw_positions') }}
),

final as (
    select
        nullif(upper(trim(raw_positions.ticker)), '') as ticker,
        try_cast(trim(raw_positions.units) as double) as units,
        raw_positions.units as units_text,
        (select any_value(checked_file.file_path) from checked_file) as source_file,
        raw_positions.source_line
    from raw_positions
)

select * from final
