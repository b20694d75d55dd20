{#-
    ETF metadata from the universe file (or the embedded sample's). A universe file with a
    duplicated or missing ticker stops the build with an error naming the file and lines: which
    of two rows is right cannot be guessed.
-#}

with

metadata as (
    {% if var('universe_path', none) is not none %}
    select * from {{ ref('stg_universe_file__etfs') }}
    {% elif var('prices_path', none) is none %}
    select * from {{ ref('stg_sample__etfs') }}
    {% else %}
    -- real price files without a universe file: no metadata at all
    select
        null::varchar as ticker,
        null::varchar as etf_name,
        null::varchar as asset_class,
        null::varchar as sub_class,
        null::varchar as region,
        null::varchar as currency,
        null::double as leverage,
        null::varchar as source_file,
        null::bigint as source_line
    where false
    {% endif %}
),

checked as (
    select
        *,
        count(*) over (partition by ticker) as n_rows_for_ticker,
        string_agg(source_line::varchar, ', ') over (partition by ticker) as lines_for_ticker
    from metadata
),

final as (
    select
        ticker,
        etf_name,
        asset_class,
        sub_class,
        region,
        currency,
        leverage,
        source_file,
        source_line,
        case
            when ticker is null
                then error(
                        'universe file ' || source_file || ' line ' || source_line
                        || ': the ticker is empty'
                    )
            when n_rows_for_ticker > 1
                then error(
                        'universe file ' || source_file || ': ticker ' || ticker
                        || ' appears on lines ' || lines_for_ticker || '; keep one row per ticker'
                    )
        end as validation_error
    from checked
)

select * from final
