-- Raw price rows from whichever source this build reads (the user's files or the embedded
-- sample), with every field typed. Unparseable values become null here; the text stays beside
-- them so int_prices_validated can say exactly what was wrong.
with

raw_rows as (
    {% if var('prices_path', none) is not none %}
    select * from {{ ref('stg_price_files__prices') }}
    {% else %}
    select * from {{ ref('stg_sample__prices') }}
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

select * from parsed
