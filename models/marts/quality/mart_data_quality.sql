{#-
    One row per data-quality check result: what cleaning removed, repaired, detected or could not
    resolve, per ticker and date where that applies. Severity: `error` (the data contradicts
    itself; the row accounting check), `warning` (data removed or repaired, prices missing,
    an unexplained split) and `info` (context: inferred metadata, delistings, files read).
-#}

with

validated as (
    select * from {{ ref('int_prices_validated') }}
),

adjusted as (
    select * from {{ ref('int_prices_adjusted') }}
),

actions as (
    select * from {{ ref('int_corporate_actions_applied') }}
),

etfs as (
    select * from {{ ref('dim_etfs') }}
),

metadata as (
    select * from {{ ref('int_etf_metadata') }}
),

input_files as (
    select * from {{ ref('input_files') }}
),

metadata_size as (
    select count(*) as n_metadata_rows from metadata
),

quarantined_rows as (
    select
        quarantine_reason as check_name,
        'quarantine' as check_category,
        'warning' as severity,
        ticker,
        price_date as date,
        1 as rows_affected,
        quarantine_detail || ' [' || source_file || ' line ' || source_line || ']' as detail
    from validated
    where quarantine_reason is not null
),

repair_checks as (
    select
        'ohlc_filled' as check_name,
        'open/high/low missing or not positive, filled from the close' as note
    union all
    select
        'ohlc_repaired' as check_name,
        'high/low widened to contain open and close' as note
    union all
    select
        'volume_missing' as check_name,
        'no volume in the row' as note
    union all
    select
        'volume_negative' as check_name,
        'negative volume set to null' as note
),

repairs as (
    select
        repair_checks.check_name,
        'correction' as check_category,
        'warning' as severity,
        validated.ticker,
        validated.price_date as date,
        1 as rows_affected,
        repair_checks.note || ' [' || validated.source_file || ' line '
        || validated.source_line || ']' as detail
    from validated
    inner join repair_checks
        on
            (repair_checks.check_name = 'ohlc_filled' and validated.is_ohlc_filled)
            or (repair_checks.check_name = 'ohlc_repaired' and validated.is_ohlc_repaired)
            or (repair_checks.check_name = 'volume_missing' and validated.is_volume_missing)
            or (repair_checks.check_name = 'volume_negative' and validated.is_volume_negative)
    where validated.quarantine_reason is null
),

gaps as (
    select
        'missing_sessions' as check_name,
        'gap' as check_category,
        'warning' as severity,
        ticker,
        price_date as date,
        sessions_missing_before as rows_affected,
        'no row for ' || sessions_missing_before || ' trading session(s) between '
        || prev_date || ' and ' || price_date || '; the return of ' || price_date
        || ' spans the gap' as detail
    from adjusted
    where sessions_missing_before > 0
),

non_trading_days as (
    select
        'row_on_non_trading_day' as check_name,
        'gap' as check_category,
        'info' as severity,
        ticker,
        price_date as date,
        1 as rows_affected,
        {%- if var('exchange_calendar', none) is not none %}
        'not a session of {{ var('exchange_calendar') }}' as detail
        {%- else %}
        'fewer than ' || round(100 * {{ var('calendar_min_share') }}) || ' % of live tickers'
        || ' have a row on this date' as detail
        {%- endif %}
    from adjusted
    where not is_trading_day
),

stale_runs as (
    select
        'stale_prices' as check_name,
        'stale' as check_category,
        'warning' as severity,
        ticker,
        null::date as date,
        count(*) filter (where is_stale) as rows_affected,
        count(*) filter (where is_stale) || ' day(s) with no trade and an unchanged close; '
        || count(*) filter (where is_zero_volume) || ' zero-volume day(s) in '
        || count(*) || ' rows' as detail
    from adjusted
    group by ticker
    having count(*) filter (where is_stale) > 0
),

-- a split-sized move that the evidence says is not a split: kept as the fund's return, with
-- the evidence that decided it (int_prices_validated, rule 4)
large_moves_kept as (
    select
        'large_move_kept' as check_name,
        'corporate_action' as check_category,
        'info' as severity,
        ticker,
        price_date as date,
        1 as rows_affected,
        'kept as a return, not a split: ' || split_evidence || ' [' || source_file || ' line '
        || source_line || ']' as detail
    from validated
    where
        quarantine_reason is null
        and not is_detected_split
        and not is_declared_jump
        and split_evidence is not null
),

action_checks as (
    select
        case
            when source = 'detected' then 'corporate_action_detected'
            else 'declared_action_not_applied'
        end as check_name,
        'corporate_action' as check_category,
        'warning' as severity,
        ticker,
        action_date as date,
        1 as rows_affected,
        action_type || coalesce(' ratio ' || round(ratio, 6), '')
        || coalesce(' amount ' || amount, '') || ': '
        || coalesce(not_applied_reason, detail) as detail
    from actions
    where source = 'detected' or not is_applied
),

universe_checks as (
    select
        'asset_class_inferred' as check_name,
        'metadata' as check_category,
        'info' as severity,
        ticker,
        inferred_as_of_date as date,
        1 as rows_affected,
        'asset class ' || asset_class || ' / ' || sub_class || ' inferred from '
        || inference_method || case when has_metadata then '' else ' (no metadata row)' end
            as detail
    from etfs
    where asset_class_source = 'inferred'
    union all
    select
        'ticker_not_in_universe' as check_name,
        'metadata' as check_category,
        'warning' as severity,
        etfs.ticker,
        null::date as date,
        etfs.n_clean_rows as rows_affected,
        'prices but no universe metadata row; kept with an inferred asset class' as detail
    from etfs
    cross join metadata_size
    where not etfs.has_metadata and metadata_size.n_metadata_rows > 0
    union all
    select
        'universe_ticker_without_prices' as check_name,
        'metadata' as check_category,
        'warning' as severity,
        metadata.ticker,
        null::date as date,
        0 as rows_affected,
        'in the universe (' || metadata.source_file || ' line ' || metadata.source_line
        || ') but no clean price row' as detail
    from metadata
    left outer join etfs
        on metadata.ticker = etfs.ticker
    where etfs.ticker is null
    union all
    select
        'delisted' as check_name,
        'metadata' as check_category,
        'info' as severity,
        ticker,
        last_date as date,
        n_clean_rows as rows_affected,
        'last price ' || last_date || ', more than {{ var("delisting_grace_sessions") }}'
        || ' sessions before the end of the data' as detail
    from etfs
    where is_delisted
),

file_checks as (
    select
        'price_file_read' as check_name,
        'input' as check_category,
        'info' as severity,
        -- the file's ticker; for a long file, its only ticker, or null when it holds several
        coalesce(
            input_files.file_ticker,
            case when count(distinct validated.ticker) = 1 then min(validated.ticker) end
        ) as ticker,
        null::date as date,
        count(validated.source_line) as rows_affected,
        input_files.file_path || ' (' || input_files.file_format || ', '
        || input_files.size_bytes || ' bytes): '
        || count(validated.source_line) filter (where validated.quarantine_reason is null)
        || ' clean, '
        || count(validated.source_line) filter (where validated.quarantine_reason is not null)
        || ' quarantined' as detail
    from input_files
    left outer join validated
        on input_files.file_path = validated.source_file
    where input_files.file_role = 'prices'
    group by
        input_files.file_path, input_files.file_ticker, input_files.file_format,
        input_files.size_bytes
),

accounting as (
    select
        'row_accounting' as check_name,
        'accounting' as check_category,
        case
            when count(*) = (select count(*) from {{ ref('int_prices_parsed') }}) then 'info'
            else 'error'
        end as severity,
        null::varchar as ticker,
        null::date as date,
        count(*) as rows_affected,
        'raw rows ' || (select count(*) from {{ ref('int_prices_parsed') }})
        || ' = clean ' || count(*) filter (where quarantine_reason is null)
        || ' + quarantined ' || count(*) filter (where quarantine_reason is not null)
            as detail
    from validated
),

macro_quarantined as (
    select
        reason as check_name,
        'macro' as check_category,
        'warning' as severity,
        null::varchar as ticker,
        date,
        1 as rows_affected,
        coalesce(series, '(no series)') || ': ' || reason_detail
        || ' [' || source_file || ' line ' || source_line || ']' as detail
    from {{ ref('fct_macro_quarantine') }}
),

macro_series_used as (
    select
        series,
        any_value(role) as role,
        count(*) as n_observations,
        min(observation_date) as first_date,
        max(observation_date) as last_date
    from {{ ref('int_macro_series') }}
    group by series
),

macro_series_checks as (
    select
        case when role is null then 'macro_series_unmapped' else 'macro_series_read' end
            as check_name,
        'macro' as check_category,
        case when role is null then 'warning' else 'info' end as severity,
        null::varchar as ticker,
        null::date as date,
        n_observations as rows_affected,
        series || ': ' || n_observations || ' observations ' || first_date || ' to ' || last_date
        || case
            when role is null then '; not in seed macro_series, so no model uses it'
            else ' (' || role || ')'
        end as detail
    from macro_series_used
),

-- on the latest trading day, each pressure left neutral for want of data (GLOBAL: every fund
-- without a fresh series of its region's own), and each region whose own series is not fresh
-- (its funds fall back to the GLOBAL pressure)
macro_latest_state as (
    select * from {{ ref('int_macro_state_daily') }}
    qualify date = max(date) over ()
),

macro_context_neutral as (
    {%- for kind, role in [('rate', 'long_rate'), ('credit', 'credit_spread'),
                           ('geo', 'geopolitical_risk')] %}
    select
        case
            when region = 'GLOBAL' then 'macro_context_neutral' else 'macro_region_fallback'
        end as check_name,
        'macro' as check_category,
        case when region = 'GLOBAL' then 'warning' else 'info' end as severity,
        null::varchar as ticker,
        date,
        1 as rows_affected,
        case
            when region = 'GLOBAL'
                then '{{ kind }} pressure neutral for every fund without a fresh regional series: '
            else region || ' funds take the GLOBAL {{ kind }} pressure: '
        end
        || case
            when {{ kind }}_series is null then 'no {{ role }} series (seed macro_series)'
            else {{ kind }}_series || ' is ' || {{ kind }}_status || ' (latest observation '
                || coalesce({{ kind }}_observation_date::varchar, 'none') || ')'
        end as detail
    from macro_latest_state
    where
        {{ kind }}_status != 'ok'
        and (region = 'GLOBAL' or {{ kind }}_series is not null)
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select * from quarantined_rows
    union all
    select * from repairs
    union all
    select * from large_moves_kept
    union all
    select * from gaps
    union all
    select * from non_trading_days
    union all
    select * from stale_runs
    union all
    select * from action_checks
    union all
    select * from universe_checks
    union all
    select * from file_checks
    union all
    select * from accounting
    union all
    select * from macro_quarantined
    union all
    select * from macro_series_checks
    union all
    select * from macro_context_neutral
)

select
    check_name,
    check_category,
    severity,
    ticker,
    date,
    rows_affected::bigint as rows_affected,
    detail
from final
