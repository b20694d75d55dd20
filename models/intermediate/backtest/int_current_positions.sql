{#-
    The user's current holdings (holdings_path), validated: an empty ticker, units that are
    not a non-negative number, a ticker listed twice, or a ticker with no prices in the
    warehouse (it could not be valued or traded) stop the build naming the file and line.
    Without a holdings file: no rows (the trade list starts from cash).
-#}
with

positions as (
    {% if var('holdings_path', none) is not none %}
    select * from {{ ref('stg_holdings_file__positions') }}
    {% else %}
    select
        null::varchar as ticker,
        null::double as units,
        null::varchar as units_text,
        null::varchar as source_file,
        null::bigint as source_line
    where false
    {% endif %}
),

known_tickers as (
    select ticker from {{ ref('int_etfs_classified') }}
),

checked as (
    select
        positions.*,
        known_tickers.ticker is not null as is_known,
        count(*) over (partition by positions.ticker) as n_rows_for_ticker,
        min(positions.source_line) over (partition by positions.ticker) as first_line_for_ticker
    from positions
    left outer join known_tickers
        on positions.ticker = known_tickers.ticker
),

final as (
    select
        ticker,
        units,
        source_file,
        source_line,
        case
            when ticker is null or units is null or units < 0
                then error(
                        'holdings file ' || source_file || ' line ' || source_line
                        || ': need a ticker and a non-negative number of units, got ticker '
                        || coalesce(ticker, 'missing') || ', units '
                        || coalesce(units_text, 'missing')
                    )
            when n_rows_for_ticker > 1
                then error(
                        'holdings file ' || source_file || ' line ' || source_line
                        || ': ticker ' || ticker || ' is listed more than once (first on line '
                        || first_line_for_ticker || ')'
                    )
            when not is_known
                then error(
                        'holdings file ' || source_file || ' line ' || source_line
                        || ': ticker ' || ticker || ' has no prices in the warehouse, so it can'
                        || ' be neither valued nor traded'
                    )
        end::varchar as validation_error
    from checked
)

select * from final
