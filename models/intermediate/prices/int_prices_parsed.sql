{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(materialized=live_materialized(), incremental_strategy='append_new') }}
{#-
    Raw price rows from whichever source this build reads (the user's files or the embedded
    sample), with every field typed. Unparseable values become null here; the text stays beside
    them so int_prices_validated can say exactly what was wrong. A table, so that a live refresh
    appends the rows of its new files (ingest_batch) instead of re-reading every file.
-#}
with

raw_rows as (
    {% if var('prices_path', none) is not none %}
    select * from {{ ref('stg_price_files__prices') }}
    {% else %}
    select
        *,
        1 as ingest_batch
    from {{ ref('stg_sample__prices') }}
    {% endif %}
),

parsed as (
    select
        *,
        {{ parse_price_date('date_text') }} as price_date,
        {{ parse_number('open_text') }} as open,
        {{ parse_number('high_text') }} as high,
        {{ parse_number('low_text') }} as low,
        {{ parse_number('close_text') }} as close,
        {{ parse_number('volume_text') }} as volume,
        {{ parse_number('adj_close_text') }} as adj_close
    from raw_rows
)

select parsed.* from parsed
{%- if is_incremental_refresh() and is_incremental() %}
where parsed.ingest_batch > (select coalesce(max(loaded.ingest_batch), 0) from {{ this }} as loaded)
{%- endif %}
