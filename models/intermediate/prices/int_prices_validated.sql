{{ config(materialized='table') }}
{#-
    Every raw price row, once, with the decision about it: kept (quarantine_reason null, possibly
    repaired and flagged) or quarantined (with a reason and a detail naming what was wrong).

    Decisions are point-in-time: a row's fate depends only on rows of the same ticker dated on or
    before it, so adding later data never changes an earlier decision.

    1. Row checks (the row alone): blank or truncated line, missing ticker/date/close, text that
       is not a number or a date, zero or negative price, extra fields.
    2. Duplicated days: of several valid rows for one ticker and date, the last one read (latest
       file, latest line) is kept; the others are quarantined.
    3. Bad ticks: a close far from the median of the previous five closes (in robust daily vols)
       that also lies outside its own day's high-low range, or an extreme jump, neither matching a
       split ratio. Split-ratio jumps are left for corporate-action detection.
    4. Repairs of kept rows: missing or non-positive open/high/low are filled from the close,
       high/low widened to contain open and close, negative volume set to null; all flagged.
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

-- The price on the return basis (vendor adjusted close when supplied), and whether the jump
-- from the previous row matches a split or consolidation ratio.
split_candidates as (
    select
        *,
        ln(coalesce(adj_close, close) / lag(coalesce(adj_close, close)) over by_ticker)
            as log_move_vs_prev,
        {{ nearest_split_ratio('log_move_vs_prev') }} as candidate_split_ratio,
        coalesce(
            abs(log_move_vs_prev + ln(candidate_split_ratio)) < {{ var('split_ratio_tolerance') }},
            false
        ) as is_split_candidate
    from unique_rows
    window by_ticker as (partition by ticker order by price_date)
),

-- A split-continuous price: what the close would be had no candidate split happened, so that
-- the days after a split do not look like jumps against the pre-split median.
continuous as (
    select
        *,
        coalesce(adj_close, close) * exp(
            {{ exact_window_sum('split_log_ratio_fp', '1e15', 'history_to_date') }}
        ) as continuous_price
    from (
        select
            *,
            {{ fixed_point(
                'case when is_split_candidate then ln(candidate_split_ratio) else 0 end', '1e15'
            ) }} as split_log_ratio_fp
        from split_candidates
    )
    window history_to_date as (
        partition by ticker order by price_date
        rows between unbounded preceding and current row
    )
),

reference_levels as (
    select
        *,
        median(continuous_price) over previous_5_rows
            as recent_median_price,
        abs(ln(continuous_price / lag(continuous_price) over by_ticker)) as abs_log_move
    from continuous
    window
        by_ticker as (partition by ticker order by price_date),
        previous_5_rows as (
            partition by ticker order by price_date rows between 5 preceding and 1 preceding
        )
),

spike_checks as (
    select
        *,
        -- median absolute move x 1.4826 estimates the daily volatility robustly
        1.4826 * median(abs_log_move) over previous_63_rows
            as robust_daily_vol,
        ln(continuous_price / recent_median_price) as log_move_vs_median
    from reference_levels
    window previous_63_rows as (
        partition by ticker order by price_date rows between 63 preceding and 1 preceding
    )
),

flagged as (
    select
        *,
        coalesce(
            not is_split_candidate
            and (
                (
                    abs(log_move_vs_median) > greatest(
                        {{ var('spike_min_log_move') }},
                        {{ var('spike_vol_multiple') }} * coalesce(robust_daily_vol, 0)
                    )
                    and (close > high * 1.0001 or close < low * 0.9999)
                )
                or abs(log_move_vs_median) > greatest(
                    {{ var('spike_extreme_log_move') }},
                    1.5 * {{ var('spike_vol_multiple') }} * coalesce(robust_daily_vol, 0)
                )
            ),
            false
        ) as is_bad_tick
    from spike_checks
),

kept_and_bad_ticks as (
    select
        *,
        case when is_bad_tick then 'bad_tick' end as quarantine_reason,
        case
            when is_bad_tick
                then 'close ' || close || ' is ' || round(100 * (exp(log_move_vs_median) - 1), 1)
                    || ' % from the median of the previous five closes ('
                    || round(abs(log_move_vs_median) / nullif(robust_daily_vol, 0), 1)
                    || ' robust daily vols) and does not match a split ratio'
        end as quarantine_detail
    from flagged
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
        coalesce(is_split_candidate, false) as is_split_candidate,
        candidate_split_ratio,
        log_move_vs_prev,
        robust_daily_vol
    from repaired
)

select * from final
