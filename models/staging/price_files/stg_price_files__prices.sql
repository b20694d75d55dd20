{#-
    One row per data line of the user's price files, split into untyped fields.

    CSV files arrive one physical line per row (see __sources.yml); each line is split on commas
    and its fields picked by the column positions `input_files` found in that file's header, so
    files of any column order and all three formats share this model. Nothing is typed or dropped
    here: int_prices_parsed types the fields and int_prices_validated decides what to keep.
-#}
{%- set is_parquet = (var('prices_path', '') | string | lower).endswith('.parquet') %}
{#- A live refresh reads only the newest batch of files (input_files.ingest_batch), listed at
    run time, after input_files has run; a full build reads every file the glob matches. #}
{%- set batch_files = none %}
{%- if is_incremental_refresh() and execute %}
    {%- set batch_files = run_query(
        "select file_path from " ~ ref('input_files') ~ " where file_role = 'prices'"
        ~ " and ingest_batch = (select max(ingest_batch) from " ~ ref('input_files') ~ ")"
        ~ " order by file_path"
    ).columns[0].values() | list %}
{%- endif %}

with

manifest as (
    select * from {{ ref('input_files') }}
    where file_role = 'prices'
),

{% if is_parquet %}

-- Parquet: typed columns with the contract's names; an empty typed template guarantees that
-- every canonical column exists even when no file carries it (adj_close is optional).
template as (
    select
        null::varchar as date,
        null::varchar as ticker,
        null::varchar as open,
        null::varchar as high,
        null::varchar as low,
        null::varchar as close,
        null::varchar as volume,
        null::varchar as adj_close,
        null::varchar as filename,
        null::bigint as file_row_number
    where false
),

parquet_rows as (
    select * from template
    union all by name
    {%- if batch_files is none %}
    select * from {{ source('price_files', 'raw_parquet') }}
    {%- elif batch_files %}
    select * from read_parquet(
        {{ sql_string_list(batch_files) }},
        filename = true, file_row_number = true, union_by_name = true
    )
    {%- else %}
    select * from template
    {%- endif %}
),

final as (
    select
        parquet_rows.filename as source_file,
        parquet_rows.file_row_number + 1 as source_line,
        coalesce(
            nullif(upper(trim(parquet_rows.ticker::varchar)), ''), manifest.file_ticker
        ) as ticker,
        nullif(trim(parquet_rows.date::varchar), '') as date_text,
        nullif(trim(parquet_rows.open::varchar), '') as open_text,
        nullif(trim(parquet_rows.high::varchar), '') as high_text,
        nullif(trim(parquet_rows.low::varchar), '') as low_text,
        nullif(trim(parquet_rows.close::varchar), '') as close_text,
        nullif(trim(parquet_rows.volume::varchar), '') as volume_text,
        nullif(trim(parquet_rows.adj_close::varchar), '') as adj_close_text,
        concat_ws(
            ',',
            parquet_rows.date,
            parquet_rows.ticker,
            parquet_rows.open,
            parquet_rows.high,
            parquet_rows.low,
            parquet_rows.close,
            parquet_rows.volume,
            parquet_rows.adj_close
        ) as raw_line,
        manifest.ingest_batch,
        false as is_blank_line,
        false as is_truncated,
        false as has_extra_fields
    from parquet_rows
    inner join manifest
        on parquet_rows.filename = manifest.file_path
)

{% else %}

raw_lines as (
    -- row_number() over () counts rows in scan order, which DuckDB keeps file by file and line
    -- by line (insertion order is preserved); tests/e2e checks this against the files.
    select
        filename as file_path,
        line,
        row_number() over () as scan_position
    {%- if batch_files is none %}
    from {{ source('price_files', 'raw_lines') }}
    {%- elif batch_files %}
    -- the same reader as the raw_lines source, on this batch's files
    from read_csv(
        {{ sql_string_list(batch_files) }},
        columns = struct_pack(line := 'varchar'), header = false, delim = chr(31), quote = '',
        escape = '', auto_detect = false, filename = true
    )
    {%- else %}
    from (select null::varchar as filename, null::varchar as line where false)
    {%- endif %}
),

numbered as (
    select
        file_path,
        line,
        scan_position - min(scan_position) over (partition by file_path) + 1 as source_line
    from raw_lines
),

split_lines as (
    select
        numbered.file_path,
        numbered.source_line,
        numbered.line,
        manifest.file_ticker,
        manifest.file_format,
        manifest.n_header_fields,
        manifest.pos_date,
        manifest.pos_ticker,
        manifest.pos_open,
        manifest.pos_high,
        manifest.pos_low,
        manifest.pos_close,
        manifest.pos_volume,
        manifest.pos_adj_close,
        manifest.ingest_batch,
        string_split(coalesce(numbered.line, ''), ',') as line_fields
    from numbered
    inner join manifest
        on numbered.file_path = manifest.file_path
        -- line 1 is the header, checked by input_files
    where numbered.source_line > 1
),

final as (
    select
        file_path as source_file,
        source_line,
        -- Stooq's bulk files carry the ticker with its market (SPY.US): keep the part before
        -- the dot, as for Stooq file names
        coalesce(
            case
                when file_format = 'stooq'
                    then nullif(split_part(upper({{ line_field('pos_ticker') }}), '.', 1), '')
                else nullif(upper({{ line_field('pos_ticker') }}), '')
            end,
            file_ticker
        ) as ticker,
        {{ line_field('pos_date') }} as date_text,
        {{ line_field('pos_open') }} as open_text,
        {{ line_field('pos_high') }} as high_text,
        {{ line_field('pos_low') }} as low_text,
        {{ line_field('pos_close') }} as close_text,
        {{ line_field('pos_volume') }} as volume_text,
        {{ line_field('pos_adj_close') }} as adj_close_text,
        line as raw_line,
        ingest_batch,
        coalesce(trim(line), '') = '' as is_blank_line,
        len(line_fields) < n_header_fields as is_truncated,
        len(line_fields) > n_header_fields
        and trim(array_to_string(line_fields[n_header_fields + 1:], '')) != ''
            as has_extra_fields
    from split_lines
)

{% endif %}

select * from final
