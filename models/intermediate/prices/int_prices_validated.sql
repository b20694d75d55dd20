{{ config(materialized='table') }}
{#-
    Every raw price row, once, with the decision about it: kept (quarantine_reason null,
    possibly repaired and flagged, possibly an unrecorded split or consolidation) or quarantined
    (with a reason and a detail naming the evidence).

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
         funds, at most 0.1), leaving an ordinary move of the day's own (at most 0.35 or five
         robust daily vols);
       - no intraday path: the open, high and low all sit on the new level (within that move
         plus the least of half the ratio, three median ranges (at least 0.1) and
         `split_bar_tolerance`);
       - an ordinary range: at most that move plus `ordinary_range_multiple` median ranges;
       - not an ordinary move: beyond `split_ordinary_move_z` robust daily vols times the square
         root of the sessions since the fund last traded (a thin, volatile fund can halve
         over a week without trades, and its first traded day then shows it all at once);
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
-#}
{%- set numeric_fields = ['close', 'open', 'high', 'low', 'volume', 'adj_close'] %}

with

parsed as (
    select * from {{ ref('int_prices_parsed') }}
),

row_checks as (
    select
        *,
        case
            when is_blank_line then 'blank_line'
            when ticker is null then 'missing_ticker'
            when is_truncated and (date_text is null or close_text is null) then 'truncated_row'
            when date_text is null then 'missing_date'
            when price_date is null then 'unparseable_date'
            when close_text is null then 'missing_close'
            when {{ has_unparsed_field(numeric_fields) }}
                then 'non_numeric_value'
            when close <= 0 or adj_close <= 0 then 'non_positive_price'
            when has_extra_fields then 'unexpected_field_count'
        end as row_issue
    from parsed
),

row_issues as (
    select
        *,
        row_issue as quarantine_reason,
        case row_issue
            when 'blank_line' then 'the line is empty'
            when 'missing_ticker' then 'no ticker in the row'
            when 'truncated_row' then 'fewer fields than the header: ' || coalesce(raw_line, '')
            when 'missing_date' then 'the date field is empty'
            when 'unparseable_date' then 'not a date: ' || date_text
            when 'missing_close' then 'the close field is empty'
            when 'non_numeric_value'
                then 'not a finite number: ' || {{ unparsed_fields_note(numeric_fields) }}
            when 'non_positive_price'
                then 'price not above zero: close=' || close_text
                    || coalesce(', adj_close=' || adj_close_text, '')
            when 'unexpected_field_count' then 'more fields than the header: ' || raw_line
        end as quarantine_detail
    from row_checks
    where row_issue is not null
),

valid_rows as (
    select
        *,
        row_number() over same_day as copy_rank,
        count(*) over same_day as n_copies,
        first_value(source_file) over same_day as kept_source_file,
        first_value(source_line) over same_day as kept_source_line,
        first_value(close) over same_day as kept_close,
        first_value(concat_ws(',', open, high, low, close, volume, adj_close)) over same_day
            as kept_values
    from row_checks
    where row_issue is null
    window same_day as (
        partition by ticker, price_date
        order by source_file desc, source_line desc
    )
),

duplicate_copies as (
    select
        *,
        'duplicate_day' as quarantine_reason,
        case
            when concat_ws(',', open, high, low, close, volume, adj_close) = kept_values
                then 'identical copy of the row kept'
            else 'conflicting copy (close ' || close || ' vs kept ' || kept_close || ')'
        end
        || ' at ' || kept_source_file || ' line ' || kept_source_line as quarantine_detail
    from valid_rows
    where copy_rank > 1
),

unique_rows as (
    select * from valid_rows
    where copy_rank = 1
),

-- The price on the return basis (the vendor adjusted close where supplied) and the day's bar
-- on that basis; history a decision compares with: the recent closes, the fund's ordinary
-- daily move and range, and its usual traded units.
on_basis as (
    -- the decisions below read only these columns: a narrow relation to sort, joined back to
    -- the raw row (text fields and all) once decided
    select
        source_file,
        source_line,
        ticker,
        price_date,
        open,
        high,
        low,
        close,
        adj_close,
        volume,
        coalesce(adj_close, close) as basis_close,
        coalesce(adj_close, close) / close as basis_factor,
        coalesce(open > 0 and high > 0 and low > 0, false) as has_bar,
        case when high > 0 and low > 0 and high >= low then ln(high / low) end as day_range_log,
        row_number() over (partition by ticker order by price_date) as row_no
    from unique_rows
),

history as (
    select
        *,
        ln(basis_close / lag(basis_close) over by_ticker) as log_move_vs_prev_row,
        -- ordinary range and move: over days the fund traded (a no-trade day prints the last
        -- close as its whole bar, and a thin fund's median would otherwise be zero)
        median(case when volume is distinct from 0 then day_range_log end)
            over previous_63_rows as typical_range_log,
        median(case when volume > 0 then volume end) over previous_20_rows as median_volume_20d,
        -- rows since the fund last traded: the move from the previous row spans that many
        -- sessions (a no-trade day prints the last close)
        row_no - last_value(case when volume is distinct from 0 then row_no end ignore nulls)
            over before_this_row as sessions_since_trade
    from on_basis
    window
        before_this_row as (
            partition by ticker order by price_date
            rows between unbounded preceding and 1 preceding
        ),
        by_ticker as (partition by ticker order by price_date),
        previous_20_rows as (
            partition by ticker order by price_date rows between 20 preceding and 1 preceding
        ),
        previous_63_rows as (
            partition by ticker order by price_date rows between 63 preceding and 1 preceding
        )
),

-- Rule 3: a close outside its own bar, far from the previous close too (a bad high or low with
-- a good close is repaired instead).
bar_checks as (
    select
        *,
        -- median absolute move x 1.4826 estimates the daily volatility robustly
        1.4826 * median(case when volume is distinct from 0 then abs(log_move_vs_prev_row) end)
            over previous_63_rows as robust_daily_vol,
        case
            when has_bar then greatest(ln(close / high), ln(low / close), 0)
        end as close_outside_bar_log
    from history
    window previous_63_rows as (
        partition by ticker order by price_date rows between 63 preceding and 1 preceding
    )
),

-- The previous close is the last one inside its own bar: a run of bad closes is judged against
-- the last good one, never against each other.
bar_reference as (
    select
        *,
        ln(basis_close / last_value(
            case
                when coalesce(close_outside_bar_log, 0) <= {{ var('spike_min_log_move') }}
                    then basis_close
            end ignore nulls
        ) over (
            partition by ticker order by price_date
            rows between unbounded preceding and 1 preceding
        )) as log_move_vs_prev_in_bar
    from bar_checks
),

flagged_bar as (
    select
        *,
        coalesce(
            close_outside_bar_log > {{ var('spike_min_log_move') }}
            and coalesce(abs(log_move_vs_prev_in_bar) > {{ var('spike_min_log_move') }}, true),
            false
        ) as is_close_outside_bar
    from bar_reference
),

-- Rule 4, against the previous row that passed rule 3.
declared_splits as (
    select
        ticker,
        action_date,
        ratio
    from {{ ref('int_corporate_actions_declared') }}
    where action_type in ('split', 'consolidation')
),

moves as (
    select
        *,
        lag(price_date) over by_ticker as prev_date,
        lag(basis_close) over by_ticker as prev_basis_close
    from flagged_bar
    where not is_close_outside_bar
    window by_ticker as (partition by ticker order by price_date)
),

split_measures as (
    select
        *,
        ln(basis_close / prev_basis_close) as log_move_vs_prev,
        case when has_bar then ln(open * basis_factor / prev_basis_close) end as log_gap_vs_prev,
        least(
            greatest({{ var('split_ratio_tolerance') }}, 0.5 * coalesce(robust_daily_vol, 0)),
            0.1
        ) as ratio_tolerance,
        greatest(
            {{ var('ordinary_range_floor') }},
            {{ var('ordinary_range_multiple') }} * coalesce(typical_range_log, 0)
        ) as ordinary_range_log,
        greatest(
            {{ var('ordinary_range_floor') }},
            {{ var('wide_range_multiple') }} * coalesce(typical_range_log, 0)
        ) as wide_range_log,
        case
            when volume > 0 and median_volume_20d > 0 then ln(volume / median_volume_20d)
        end as log_volume_vs_median
    from moves
),

-- The ratio is read from the open where the bar has one (the overnight gap carries the ratio
-- and little of the day's own move), else from the close; on each, common ratios first (see
-- the macro split_ratio_tiers).
ratio_read as (
    select
        *,
        case
            -- a move of less than x1.7 either way is no split (the smallest ratio is 2, the
            -- widest tolerance 0.1): most rows stop here
            when greatest(abs(log_move_vs_prev), abs(coalesce(log_gap_vs_prev, 0))) < 0.55
                then null
            {%- for move in ['log_gap_vs_prev', 'log_move_vs_prev'] %}
            {%- for tier in split_ratio_tiers() %}
            when abs({{ move }} + ln({{ nearest_split_ratio(move, tier) }})) <= ratio_tolerance
                then {{ nearest_split_ratio(move, tier) }}
            {%- endfor %}
            {%- endfor %}
            else {{ nearest_split_ratio('log_move_vs_prev') }}
        end as candidate_split_ratio
    from split_measures
),

split_evidence as (
    select
        *,
        least(
            abs(log_move_vs_prev + ln(candidate_split_ratio)),
            coalesce(abs(log_gap_vs_prev + ln(candidate_split_ratio)), 'infinity'::double)
        ) as ratio_fit_log,
        -- the day's own move on the new level: a split day may be a volatile day too
        abs(log_move_vs_prev + ln(candidate_split_ratio)) as residual_move_log,
        -- how far the open, high and low sit from the new level (previous close / ratio)
        case
            when has_bar
                then greatest(
                        abs(ln(open * basis_factor * candidate_split_ratio / prev_basis_close)),
                        abs(ln(high * basis_factor * candidate_split_ratio / prev_basis_close)),
                        abs(ln(low * basis_factor * candidate_split_ratio / prev_basis_close))
                    )
        end as bar_off_new_level_log,
        least(
            0.5 * abs(ln(candidate_split_ratio)),
            greatest(0.1, 3 * coalesce(typical_range_log, 0)),
            {{ var('split_bar_tolerance') }}
        ) + abs(log_move_vs_prev + ln(candidate_split_ratio)) as bar_tolerance
    from ratio_read
),

-- a declared split or consolidation whose jump shows here: int_corporate_actions_applied
-- applies it; this model only has to know that the jump is explained
declared_matches as (
    select distinct
        split_evidence.source_file,
        split_evidence.source_line
    from split_evidence
    inner join declared_splits
        on
            split_evidence.ticker = declared_splits.ticker
            and split_evidence.price_date >= declared_splits.action_date
            and coalesce(split_evidence.prev_date, date '0001-01-01') < declared_splits.action_date
            and abs(split_evidence.log_move_vs_prev + ln(declared_splits.ratio)) < 0.25
),

with_declared as (
    select
        split_evidence.*,
        declared_matches.source_line is not null as is_declared_jump
    from split_evidence
    left outer join declared_matches
        on
            split_evidence.source_file = declared_matches.source_file
            and split_evidence.source_line = declared_matches.source_line
),

split_decided as (
    select
        *,
        -- the ratio fits, and what it leaves of the day's move is an ordinary move
        coalesce(
            ratio_fit_log <= ratio_tolerance
            and residual_move_log <= greatest(0.35, 5 * coalesce(robust_daily_vol, 0)),
            false
        ) as split_ratio_fits,
        coalesce(bar_off_new_level_log <= bar_tolerance, not has_bar) as split_bar_on_new_level,
        -- the move is not an ordinary one for this fund over the sessions since it last traded
        coalesce(
            abs(log_move_vs_prev) > {{ var('split_ordinary_move_z') }} * robust_daily_vol
            * sqrt(greatest(coalesce(sessions_since_trade, 1), 1)),
            true
        ) as split_move_unordinary,
        coalesce(day_range_log <= ordinary_range_log + residual_move_log, true)
            as split_range_ordinary,
        -- units must change by about the ratio where volume is what tells a split from the
        -- other likely cause of a move that size: a genuine crash or spike (ratios up to 4:
        -- units surge instead of changing by the ratio) or a decimal slip (10, 100, 1000:
        -- units do not change). Beyond, the bar and the range tell a genuine move (which
        -- trades through much of its size) from a split, and volume is too noisy to overrule
        -- them: a 1:20 consolidation can trade more units than a twentieth of the usual.
        case
            when median_volume_20d is null then true  -- no volume history: no evidence either way
            when
                abs(ln(candidate_split_ratio)) > ln(4.5)
                and round(abs(ln(candidate_split_ratio)) / ln(10), 6) != round(
                    abs(ln(candidate_split_ratio)) / ln(10)
                )
                then true
            when not volume > 0 then false
            else abs(log_volume_vs_median - ln(candidate_split_ratio))
                <= {{ var('split_volume_tolerance') }}
        end as split_volume_fits
    from with_declared
),

splits as (
    select
        *,
        split_ratio_fits and split_bar_on_new_level and split_range_ordinary
        and split_volume_fits and split_move_unordinary
        and not is_declared_jump as is_detected_split,
        'price x' || round(exp(log_move_vs_prev), 4) || ' against the previous close ('
        || coalesce(
            round(abs(log_move_vs_prev) / nullif(
                robust_daily_vol * sqrt(greatest(coalesce(sessions_since_trade, 1), 1)), 0
            ), 1) || ' robust vols over ' || greatest(coalesce(sessions_since_trade, 1), 1)
            || ' session(s) since it last traded', 'no volatility history'
        ) || '); ratio '
        || case
            when candidate_split_ratio >= 1 then round(candidate_split_ratio)::int || ':1'
            else '1:' || round(1 / candidate_split_ratio)::int
        end
        || ' fits within ' || round(ratio_fit_log, 3) || ' (tolerance '
        || round(ratio_tolerance, 3) || '); open/high/low '
        || coalesce(
            round(bar_off_new_level_log, 3) || ' from the new level (tolerance '
            || round(bar_tolerance, 3) || ')', 'missing'
        )
        || '; range ' || coalesce(round(100 * day_range_log, 1) || ' %', 'missing')
        || ' (ordinary up to ' || round(100 * (ordinary_range_log + residual_move_log), 1)
        || ' % with the day''s own move)'
        || '; volume ' || coalesce(
            'x' || round(exp(log_volume_vs_median), 3)
            || ' of its 20-day median (expected x' || round(candidate_split_ratio, 3)
            || ', tolerance x' || round(exp({{ var('split_volume_tolerance') }}), 1) || ')',
            case when median_volume_20d is null then 'no history' else 'none' end)
            as split_evidence
    from split_decided
),

-- Rule 5, on a split-continuous price: what the close would be had no detected or declared
-- split happened, so that the days after a split do not look like jumps.
continuous as (
    select
        *,
        basis_close * exp(
            {{ exact_window_sum('split_log_ratio_fp', '1e15', 'history_to_date') }}
        ) as continuous_price
    from (
        select
            *,
            {{ fixed_point(
                'case when is_detected_split or is_declared_jump'
                ~ ' then ln(candidate_split_ratio) else 0 end', '1e15'
            ) }} as split_log_ratio_fp
        from splits
    )
    window history_to_date as (
        partition by ticker order by price_date
        rows between unbounded preceding and current row
    )
),

reference_levels as (
    select
        *,
        ln(continuous_price / median(continuous_price) over previous_5_rows)
            as log_move_vs_median,
        ln(continuous_price / lag(continuous_price) over by_ticker) as residual_move,
        greatest(
            {{ var('spike_extreme_log_move') }},
            1.5 * {{ var('spike_vol_multiple') }} * coalesce(robust_daily_vol, 0)
        ) as extreme_log_move
    from continuous
    window
        by_ticker as (partition by ticker order by price_date),
        previous_5_rows as (
            partition by ticker order by price_date rows between 5 preceding and 1 preceding
        )
),

genuine_evidence as (
    select
        *,
        -- the bar reaches back more than half way toward the previous level
        case
            when has_bar and residual_move < 0 then ln(high / close) > 0.5 * abs(residual_move)
            when has_bar and residual_move > 0 then ln(close / low) > 0.5 * abs(residual_move)
            else false
        end as has_intraday_path,
        coalesce(day_range_log > wide_range_log, false) as has_wide_range,
        coalesce(
            log_volume_vs_median > ln({{ var('genuine_volume_surge') }}), false
        ) as has_volume_surge,
        -- x or / 10, 100, 1000: a decimal slip, whatever the volume says
        coalesce(
            round(abs(residual_move) / ln(10)) between 1 and 3
            and abs(abs(residual_move) - round(abs(residual_move) / ln(10)) * ln(10))
            <= ratio_tolerance,
            false
        ) as is_decimal_shift
    from reference_levels
),

jumps as (
    select
        *,
        coalesce(
            not is_detected_split and not is_declared_jump
            and abs(log_move_vs_median) > extreme_log_move
            and abs(residual_move) > extreme_log_move
            and (
                -- x or / 50 and more in a day: no fund's genuine move
                abs(residual_move) > ln(50)
                or (
                    not has_intraday_path and not has_wide_range
                    and (is_decimal_shift or not has_volume_surge)
                )
            ),
            false
        ) as is_unexplained_jump
    from genuine_evidence
),

decided as (
    select * from flagged_bar
    where is_close_outside_bar
    union all by name
    select * from jumps
),

decided_rows as (
    select
        unique_rows.*,
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
    from unique_rows
    inner join decided
        on
            unique_rows.source_file = decided.source_file
            and unique_rows.source_line = decided.source_line
),

kept_and_bad_ticks as (
    select
        *,
        case when is_close_outside_bar or is_unexplained_jump then 'bad_tick' end
            as quarantine_reason,
        case
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

all_rows as (
    select * from row_issues
    union all by name
    select * from duplicate_copies
    union all by name
    select * from kept_and_bad_ticks
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
