{#-
    One row per data row of the user's macro file (var macro_path, checked by input_files), the
    fields as trimmed text with the file's line (CSV: header = line 1) or row number (Parquet).
    Nothing is typed or dropped here: int_macro_file_checked does both, with a reason.
-#}
{%- set is_parquet = (var('macro_path', '') | string | lower).endswith('.parquet') %}

with

checked_file as (
    select file_path from {{ ref('input_files') }}
    where file_role = 'macro'
),

template as (
    -- an empty typed template: available_date is optional
    select
        null::varchar as date,
        null::varchar as series,
        null::varchar as value,
        null::varchar as available_date
    where false
),

raw_rows as (
    select
        date::varchar as date,
        series::varchar as series,
        value::varchar as value,
        available_date::varchar as available_date,
        {%- if is_parquet %}
        file_row_number + 1 as source_line
        {%- else %}
        -- read_csv keeps the file's order; line 1 is the header
        row_number() over () + 1 as source_line
        {%- endif %}
    from (
        select * from template
        union all by name
        select * from {{ source('macro_file', 'raw_rows') }}
    )
),

final as (
    select
        (select any_value(checked_file.file_path) from checked_file) as source_file,
        source_line,
        nullif(trim(date), '') as date_text,
        nullif(trim(series), '') as series,
        nullif(trim(value), '') as value_text,
        nullif(trim(available_date), '') as available_date_text
    from raw_rows
)

select * from final
