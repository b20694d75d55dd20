{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='price_date',
    post_hook="{{ insert_build_batches() }}"
) }}
{#-
    Every raw price row, once, with the decision about it: kept (quarantine_reason null,
    possibly repaired and flagged, possibly an unrecorded split or consolidation) or quarantined
    (with a reason and a detail naming the evidence). Rules 1-2 are applied in
    int_prices_row_checked and rules 3-5 in int_prices_decisions; here the raw row is joined
    back, the evidence worded, and rule 6 applied.

    Decisions are point-in-time: a row's fate depends only on rows of the same ticker dated on or
    before it, so adding later data never changes an earlier decision. Every threshold is a var
    (dbt_project.yml, "cleaning rules"); the evidence behind each decision is kept in columns and
    in the quarantine / corporate-action details.

    1. Row checks (the row alone): blank or truncated line, missing ticker/date/close, text that
       is not a number or a date, zero or negative price, extra fields.
    2. Duplicated days: of several valid rows for one ticker and date, the last one read (latest
       file, latest line) is kept; the others are quarantined.
    3. Close outside its own bar (bad tick): the close lies outside the day's high-low range by
       more than `spike_min_log_move`, and as far from the last previous close that was inside
       its own bar (so a run of bad closes is judged against the last good one). The row
       contradicts itself; its neighbours are never compared with it (no cascade).
    4. Unrecorded split or consolidation, judged against the previous row that passed 3. All
       of these must hold; size alone is never enough, and a genuine crash or spike fails one:
       - the ratio: the move is near a ratio funds use (2..20, 25, 30, 40, 50, 100 or a
         reciprocal; read from the open's gap where it fits, else from the close; common ratios
         first), within `split_ratio_tolerance` (up to half a robust daily vol for volatile
         funds, at most 0.1), leaving an ordinary move of the day's own (at most
         `split_residual_floor` or five robust daily vols);
       - no intraday path: the open, high and low all sit on the new level (within that move
         plus the least of half the ratio, three median ranges (at least 0.1) and
         `split_bar_tolerance`);
       - an ordinary range: at most that move plus `ordinary_range_multiple` median ranges;
       - not an ordinary move: beyond `split_ordinary_move_z` daily vols times the square root
         of the sessions since the fund last traded (a thin, volatile fund can halve over a
         week without trades, and its first traded day then shows it all at once); the daily
         vol is the larger of the robust vols over the previous 63 and 21 traded rows
         (volatility clusters: a fund whose moves have just grown keeps making large ones);
       - traded units changed by about the ratio (within x`split_volume_tolerance`), when the
         fund has volume and the ratio is up to 4.5 or a power of ten (where a genuine move or
         a decimal slip is the other likely cause).
    5. Unexplained jump (bad tick): a move beyond `spike_extreme_log_move` from both the
       previous row and the median of the previous five (split-continuous) prices, that is no
       split (4), has no intraday path from the previous level and no wide range (beyond
       `wide_range_multiple` median ranges), and is either a decimal slip (x or / 10, 100,
       1000) or comes with no volume surge (`genuine_volume_surge`). A move that persists is a
       return: the next row, at the same level, is kept (the move is booked one day late, on
       the rows that show it).
    6. Repairs of kept rows: missing or non-positive open/high/low are filled from the close,
       high/low widened to contain open and close, negative volume set to null; all flagged.

    "Median range" and "robust daily vol" are over the previous 63 rows the fund traded (volume
    not 0: a no-trade day prints the last close as its whole bar), volume medians over the
    previous 20 rows with volume. benchmarks/cleaning_decisions.py measures the rules on planted
    events; seeds/config_trials.csv records the settings compared to choose these defaults.

    Row by row given the decisions, so a live refresh redoes only the rows dated on or after
    refresh_from, and the undated rows of the newest files.

    Every window (rule 2's, in int_prices_row_checked) and the join of the decisions stay within
    one ticker, so a big universe is built a range of tickers at a time
    (macros/helpers/build_batches.sql; the rows without a ticker go with the first range), as
    int_prices_decisions is: at 10,000 funds one statement spilled (benchmarks/scale.md).
-#}
{%- set refresh = is_incremental_refresh() and is_incremental() %}
{%- set batch = build_batch_filter('ticker', ref('int_prices_decisions')) %}

with

row_checked as (
    -- rules 1 and 2, read once: a row's decision (rules 3-5) joins the rows they left
    select * from {{ ref('int_prices_row_checked') }}
    {%- if refresh %}
    where
        price_date >= {{ live_refresh_from() }}
        or (price_date is null and ingest_batch = {{ live_newest_batch() }})
    {%- else %}
    where {{ batch }}
    {%- endif %}
),

decided as (
    -- rules 3 to 5, with the split evidence in words: only where a split ratio was tried (the
    -- text of every row was built and came out null: 3,000 funds 51.1 -> 47.7 CPU-s)
    select
        *,
        case
            when not is_close_outside_bar and candidate_split_ratio is not null
                then
                    'price x' || round(exp(log_move_vs_prev), 4) || ' against the previous close ('
                    || coalesce(
                        round(move_in_daily_vols, 1)
                        || ' daily vols over '
                        || greatest(coalesce(sessions_since_trade, 1), 1)
                        || ' session(s) since it last traded', 'no volatility history'
                    ) || '); ratio '
                    || case
                        when
                            candidate_split_ratio >= 1
                            then round(candidate_split_ratio)::int || ':1'
                        else '1:' || round(1 / candidate_split_ratio)::int
                    end
                    || ' fits within ' || round(ratio_fit_log, 3) || ' (tolerance '
                    || round(ratio_tolerance, 3) || '); open/high/low '
                    || coalesce(
                        round(bar_off_new_level_log, 3) || ' from the new level (tolerance '
                        || round(bar_tolerance, 3) || ')', 'missing'
                    )
                    || '; range ' || coalesce(round(100 * day_range_log, 1) || ' %', 'missing')
                    || ' (ordinary up to '
                    || round(100 * (ordinary_range_log + residual_move_log), 1)
                    || ' % with the day''s own move)'
                    || '; volume ' || coalesce(
                        'x' || round(exp(log_volume_vs_median), 3)
                        || ' of its 20-day median (expected x' || round(candidate_split_ratio, 3)
                        || ', tolerance x'
                        || round(exp({{ var('split_volume_tolerance') }}), 1)
                        || ')',
                        case when median_volume_20d is null then 'no history' else 'none' end
                    )
        end as split_evidence
    from {{ ref('int_prices_decisions') }}
    {#- called in a full build too: at parse time it records the dependency on
        int_refresh_window (macros/live/live_refresh.sql) #}
    {{- live_tail('price_date') }}
    {%- if not refresh %}
    where {{ batch }}
    {%- endif %}
),

decided_rows as (
    -- every row once: those rules 1-2 quarantined as they are, the rest with their decision
    -- (reading rules 1-2 twice, for each kind of row, sorted every row for rule 2 twice)
    select
        row_checked.*,
        decided.is_close_outside_bar,
        decided.close_outside_bar_log,
        decided.log_move_vs_prev_row,
        decided.log_move_vs_prev_in_bar,
        decided.is_unexplained_jump,
        decided.is_decimal_shift,
        decided.extreme_log_move,
        decided.log_move_vs_median,
        decided.is_detected_split,
        decided.is_declared_jump,
        decided.candidate_split_ratio,
        decided.log_move_vs_prev,
        decided.residual_move,
        decided.split_evidence,
        decided.has_intraday_path,
        decided.has_wide_range,
        decided.has_volume_surge,
        decided.robust_daily_vol
    from row_checked
    left outer join decided
        on
            row_checked.quarantine_reason is null
            and row_checked.source_file = decided.source_file
            and row_checked.source_line = decided.source_line
    -- a row left by rules 1-2 goes on only with its decision
    where row_checked.quarantine_reason is not null or decided.source_line is not null
),

all_rows as (
    select
        * exclude (quarantine_reason, quarantine_detail),
        case
            when quarantine_reason is not null then quarantine_reason
            when is_close_outside_bar or is_unexplained_jump then 'bad_tick'
        end as quarantine_reason,
        case
            when quarantine_reason is not null then quarantine_detail
            when is_close_outside_bar
                then 'close ' || close || ' lies ' || round(100 * close_outside_bar_log, 1)
                    || ' % (log) outside its own high-low range [' || low || ', ' || high || ']'
                    || coalesce(
                        ' and ' || round(100 * (exp(log_move_vs_prev_in_bar) - 1), 1)
                        || ' % from the last close inside its bar',
                        ''
                    )
            when is_unexplained_jump
                then 'close ' || close || ' is ' || round(100 * (exp(residual_move) - 1), 1)
                    || ' % from the previous row and '
                    || round(100 * (exp(log_move_vs_median) - 1), 1)
                    || ' % from the median of the previous five, beyond '
                    || round(100 * extreme_log_move, 1)
                    || ' % (log), '
                    || case
                        when abs(residual_move) > ln(50)
                            then 'x or / 50 and more in a day, which no fund moves'
                        else 'with no intraday path from the previous level, an ordinary range'
                            || ' and '
                            || case
                                when is_decimal_shift
                                    then 'a decimal slip (x or / a power of ten)'
                                else 'no volume surge'
                            end
                    end
                    || '; not a split: ' || coalesce(split_evidence, 'no ratio fits')
        end as quarantine_detail
    from decided_rows
),

repaired as (
    select
        *,
        quarantine_reason is null as is_kept,
        case when open is null or open <= 0 then close else open end as open_filled,
        case when high is null or high <= 0 then close else high end as high_filled,
        case when low is null or low <= 0 then close else low end as low_filled
    from all_rows
),

final as (
    select
        -- identity
        ticker,
        price_date,
        source_file,
        source_line,
        -- raw values as read
        raw_line,
        open as open_raw,
        high as high_raw,
        low as low_raw,
        close as close_raw,
        volume as volume_raw,
        adj_close as adj_close_raw,
        -- decision
        quarantine_reason,
        quarantine_detail,
        -- repaired values and repair flags (kept rows only; raw values above for the rest)
        case when is_kept then open_filled end as open,
        case when is_kept then greatest(high_filled, open_filled, low_filled, close) end as high,
        case when is_kept then least(low_filled, open_filled, high_filled, close) end as low,
        case when is_kept then close end as close,
        case when is_kept and volume >= 0 then volume end as volume,
        case when is_kept then adj_close end as adj_close,
        case when is_kept then (open is null or high is null or low is null) end
            as is_ohlc_filled,
        -- a missing field makes its comparison null: "null or false" must read as false
        case
            when is_kept
                then coalesce(
                        open <= 0 or high <= 0 or low <= 0
                        or high < greatest(open_filled, close, low_filled)
                        or low > least(open_filled, close, high_filled),
                        false
                    )
        end as is_ohlc_repaired,
        case when is_kept then volume is null end as is_volume_missing,
        case when is_kept then coalesce(volume < 0, false) end as is_volume_negative,
        coalesce(n_copies, 1) as n_copies_of_day,
        coalesce(is_detected_split, false) as is_detected_split,
        coalesce(is_declared_jump, false) as is_declared_jump,
        case when coalesce(is_detected_split, false) then candidate_split_ratio end
            as detected_split_ratio,
        log_move_vs_prev,
        residual_move,
        split_evidence,
        coalesce(has_intraday_path, false) as has_intraday_path,
        coalesce(has_wide_range, false) as has_wide_range,
        coalesce(has_volume_surge, false) as has_volume_surge,
        robust_daily_vol
    from repaired
)

select * from final
