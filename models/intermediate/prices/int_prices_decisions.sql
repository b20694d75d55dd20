{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='price_date',
    post_hook="{{ insert_build_batches() }}"
) }}
{#-
    Rules 3 to 5 of the cleaning (int_prices_validated's header has every rule and threshold),
    on the one row per ticker and day that passed rules 1 and 2 (int_prices_row_checked): a
    close outside its own bar (bad tick), an unrecorded split or consolidation, an unexplained
    jump (bad tick). Narrow, one row per row judged with every measurement behind its decision
    (the columns the rules read, so the windows sort little); int_prices_validated joins the
    raw row back, words the evidence and applies the repairs of rule 6.

    A live refresh decides only the rows dated on or after refresh_from. Every window here
    looks back at most 64 rows, but for four running values: the row number, the last close
    inside its bar, the last traded row and the cumulative split ratio. So each fund's rows
    are decided after its context, its latest earlier rows as this table holds them: the last
    70, back to its last close inside its bar and its last traded row, and at least six rows
    that passed rule 3 (else its whole history); the row number and the cumulative split ratio
    go on from the context's first row. The decisions equal a full build's, bit for bit
    (benchmarks/live_benchmark.py --check compares them).
-#}
{%- set refresh = is_incremental_refresh() and is_incremental() %}
{%- set refresh_from = live_refresh_from() %}
{#- the raw row's columns the rules read -#}
{%- set raw_columns = ['source_file', 'source_line', 'ticker', 'price_date', 'open', 'high', 'low',
    'close', 'adj_close', 'volume'] %}

with

{%- if refresh %}

earlier as (
    select * from {{ this }}
    where price_date < {{ refresh_from }}
),

earlier_extent as (
    select
        ticker,
        max(row_no) as last_row_no,
        max(row_no) filter (
            where coalesce(close_outside_bar_log, 0) <= {{ var('spike_min_log_move') }}
        ) as last_in_bar_row_no,
        max(row_no) filter (where volume is distinct from 0) as last_traded_row_no
    from earlier
    group by ticker
),

context_start as (
    select
        ticker,
        least(
            last_row_no - 69, coalesce(last_in_bar_row_no, 1), coalesce(last_traded_row_no, 1)
        ) as first_row_no
    from earlier_extent
),

context_checked as (
    select
        context_start.ticker,
        case
            when count(*) filter (where not earlier.is_close_outside_bar) >= 6
                then context_start.first_row_no
            else 1
        end as first_row_no
    from context_start
    inner join earlier
        on
            context_start.ticker = earlier.ticker
            and context_start.first_row_no <= earlier.row_no
    group by context_start.ticker, context_start.first_row_no
),

context as (
    select earlier.*
    from earlier
    inner join context_checked
        on
            earlier.ticker = context_checked.ticker
            and earlier.row_no >= context_checked.first_row_no
),

-- what the running values had reached before each fund's context
carried as (
    select
        ticker,
        min(row_no) - 1 as rows_before,
        arg_min(
            split_log_ratio_cum_fp - split_log_ratio_fp, row_no
        ) filter (where not is_close_outside_bar) as split_log_ratio_fp_before
    from context
    group by ticker
),

-- the context and the rows to decide, with what the running values had reached before
unique_rows as (
    select
        judged.*,
        coalesce(carried.rows_before, 0) as rows_before,
        coalesce(carried.split_log_ratio_fp_before, 0) as split_log_ratio_fp_before
    from (
        select
            {%- for column in raw_columns %}
            {{ column }},
            {%- endfor %}
            -- the context's own decisions stand: recomputed from its truncated windows, its
            -- first rows could differ
            is_close_outside_bar as decided_close_outside_bar,
            split_log_ratio_fp as decided_split_log_ratio_fp
        from context
        union all by name
        select
            {%- for column in raw_columns %}
            {{ column }},
            {%- endfor %}
            null::boolean as decided_close_outside_bar,
            null::bigint as decided_split_log_ratio_fp
        from {{ ref('int_prices_row_checked') }}
        where quarantine_reason is null and price_date >= {{ refresh_from }}
    ) as judged
    left outer join carried on judged.ticker = carried.ticker
),

{%- else %}

unique_rows as (
    select
        *,
        0 as rows_before,
        0 as split_log_ratio_fp_before,
        null::boolean as decided_close_outside_bar,
        null::bigint as decided_split_log_ratio_fp
    from {{ ref('int_prices_row_checked') }}
    -- every window and join below stays within one fund: a big universe is decided a range
    -- of tickers at a time (macros/helpers/build_batches.sql)
    where quarantine_reason is null and {{ build_batch_filter('ticker', ref('int_prices_parsed')) }}
),

{%- endif %}

-- The price on the return basis (the vendor adjusted close where supplied) and the day's bar
-- on that basis; history a decision compares with: the recent closes, the fund's ordinary
-- daily move and range, and its usual traded units.
on_basis as (
    -- the decisions below read only these columns: a narrow relation to sort, joined back to
    -- the raw row (text fields and all) once decided. Every window of this CTE and the next
    -- shares one sort by ticker and date: what a row's windows read is computed the pass
    -- before (the row number and the move from the previous row here; the trailing medians
    -- and last values next)
    select
        {%- for column in raw_columns %}
        {{ column }},
        {%- endfor %}
        coalesce(adj_close, close) as basis_close,
        coalesce(adj_close, close) / close as basis_factor,
        coalesce(open > 0 and high > 0 and low > 0, false) as has_bar,
        case when high > 0 and low > 0 and high >= low then ln(high / low) end as day_range_log,
        -- rule 3's measure: how far the close lies outside its own bar
        case
            when
                coalesce(open > 0 and high > 0 and low > 0, false)
                then greatest(ln(close / high), ln(low / close), 0)
        end as close_outside_bar_log,
        split_log_ratio_fp_before,
        decided_close_outside_bar,
        decided_split_log_ratio_fp,
        row_number() over by_ticker + rows_before as row_no,
        ln(coalesce(adj_close, close) / lag(coalesce(adj_close, close)) over by_ticker)
            as log_move_vs_prev_row
    from unique_rows
    window by_ticker as (partition by ticker order by price_date)
),

history as (
    select
        *,
        -- ordinary range and move: over days the fund traded (a no-trade day prints the last
        -- close as its whole bar, and a thin fund's median would otherwise be zero)
        median(case when volume is distinct from 0 then day_range_log end)
            over previous_63_rows as typical_range_log,
        median(case when volume > 0 then volume end) over previous_20_rows as median_volume_20d,
        -- rows since the fund last traded: the move from the previous row spans that many
        -- sessions (a no-trade day prints the last close)
        row_no - last_value(case when volume is distinct from 0 then row_no end ignore nulls)
            over before_this_row as sessions_since_trade,
        -- median absolute move x 1.4826 estimates the daily volatility robustly
        1.4826 * median(case when volume is distinct from 0 then abs(log_move_vs_prev_row) end)
            over previous_63_rows as robust_daily_vol,
        -- the same over the last 21 rows: volatility clusters, and a fund whose moves have
        -- just grown makes large moves that its 63-row median does not yet expect
        1.4826 * median(case when volume is distinct from 0 then abs(log_move_vs_prev_row) end)
            over previous_21_rows as recent_daily_vol,
        -- the previous close is the last one inside its own bar: a run of bad closes is
        -- judged against the last good one, never against each other
        ln(basis_close / last_value(
            case
                when coalesce(close_outside_bar_log, 0) <= {{ var('spike_min_log_move') }}
                    then basis_close
            end ignore nulls
        ) over before_this_row) as log_move_vs_prev_in_bar
    from on_basis
    window
        before_this_row as (
            partition by ticker order by price_date
            rows between unbounded preceding and 1 preceding
        ),
        previous_20_rows as (
            partition by ticker order by price_date rows between 20 preceding and 1 preceding
        ),
        previous_21_rows as (
            partition by ticker order by price_date rows between 21 preceding and 1 preceding
        ),
        previous_63_rows as (
            partition by ticker order by price_date rows between 63 preceding and 1 preceding
        )
),

-- Rule 3: a close outside its own bar, far from the previous close too (a bad high or low with
-- a good close is repaired instead).
flagged_bar as (
    select
        *,
        -- in a live refresh the context's own decision stands (decided_close_outside_bar)
        coalesce(decided_close_outside_bar, coalesce(
            close_outside_bar_log > {{ var('spike_min_log_move') }}
            and coalesce(abs(log_move_vs_prev_in_bar) > {{ var('spike_min_log_move') }}, true),
            false
        )) as is_close_outside_bar
    from history
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
        lag(basis_close) over by_ticker as prev_basis_close,
        -- the closes of the four rows before, for rule 5's reference level (in the same sort)
        lag(basis_close, 2) over by_ticker as basis_close_lag_2,
        lag(basis_close, 3) over by_ticker as basis_close_lag_3,
        lag(basis_close, 4) over by_ticker as basis_close_lag_4,
        lag(basis_close, 5) over by_ticker as basis_close_lag_5
    from flagged_bar
    where not is_close_outside_bar
    window by_ticker as (partition by ticker order by price_date)
),

split_measures as (
    select
        *,
        ln(basis_close / prev_basis_close) as log_move_vs_prev,
        case when has_bar then ln(open * basis_factor / prev_basis_close) end as log_gap_vs_prev,
        -- the move in the fund's current daily vols (the larger of the 63- and 21-row robust
        -- vols) times the square root of the sessions it spans
        abs(ln(basis_close / prev_basis_close)) / nullif(
            greatest(robust_daily_vol, recent_daily_vol)
            * sqrt(greatest(coalesce(sessions_since_trade, 1), 1)),
            0
        ) as move_in_daily_vols,
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
            and residual_move_log <= greatest(
                {{ var('split_residual_floor') }}, 5 * coalesce(robust_daily_vol, 0)
            ),
            false
        ) as split_ratio_fits,
        coalesce(bar_off_new_level_log <= bar_tolerance, not has_bar) as split_bar_on_new_level,
        -- the move is not an ordinary one for this fund over the sessions since it last traded
        coalesce(move_in_daily_vols > {{ var('split_ordinary_move_z') }}, true)
            as split_move_unordinary,
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
        and not is_declared_jump as is_detected_split
    from split_decided
),

-- Rule 5, on a split-continuous price: what the close would be had no detected or declared
-- split happened, so that the days after a split do not look like jumps.
split_steps as (
    select
        *,
        coalesce(decided_split_log_ratio_fp, {{ fixed_point(
            'case when is_detected_split or is_declared_jump'
            ~ ' then ln(candidate_split_ratio) else 0 end', '1e15'
        ) }}) as split_log_ratio_fp
    from splits
),

-- the few funds with a split or an explained jump: only their rows need the running sum and
-- the windows over the continuous price; for the rest the sum stays where it stood before the
-- rows decided here, and the previous rows' continuous prices are their closes (lagged in
-- moves) on that same scale, the same values (sorting every fund's wide rows again took 12 of
-- the model's 45 s at 3,000 funds)
split_funds as (
    select distinct ticker from split_steps
    where split_log_ratio_fp != 0
),

split_continuous as (
    select
        *,
        basis_close * exp(split_log_ratio_cum_fp::double / 1e15) as continuous_price
    from (
        select
            *,
            -- an exact (integer) running sum: a live refresh goes on from where it stood
            sum(split_log_ratio_fp) over history_to_date + split_log_ratio_fp_before
                as split_log_ratio_cum_fp
        from split_steps
        where ticker in (select split_funds.ticker from split_funds)
        window
            history_to_date as (
                partition by ticker order by price_date
                rows between unbounded preceding and current row
            )
    ) as running
),

split_levels as (
    select
        *,
        -- the median of the previous five rows' prices, as the median of their five lags
        -- (null before a fund's sixth row, and ignored, as a window median over the five
        -- preceding rows ignores rows that do not exist)
        ln(continuous_price / list_median([
            {%- for lag_rows in range(1, 6) %}
            lag(continuous_price, {{ lag_rows }}) over by_ticker{{ ',' if not loop.last }}
            {%- endfor %}
        ])) as log_move_vs_median,
        ln(continuous_price / lag(continuous_price) over by_ticker) as residual_move
    from split_continuous
    window by_ticker as (partition by ticker order by price_date)
),

steady_levels as (
    select
        * exclude (continuous_factor),
        ln(continuous_price / list_median([
            {%- for lag_rows in range(1, 6) %}
            {{ 'prev_basis_close' if lag_rows == 1 else 'basis_close_lag_' ~ lag_rows }}
            * continuous_factor{{ ',' if not loop.last }}
            {%- endfor %}
        ])) as log_move_vs_median,
        ln(continuous_price / (prev_basis_close * continuous_factor)) as residual_move
    from (
        select
            *,
            split_log_ratio_fp_before::hugeint as split_log_ratio_cum_fp,
            basis_close * continuous_factor as continuous_price
        from (
            select
                *,
                -- the same factor on every row of the fund: exp(sum / 1e15) of split_continuous
                exp(split_log_ratio_fp_before::hugeint::double / 1e15) as continuous_factor
            from split_steps
            where ticker not in (select split_funds.ticker from split_funds)
        ) as unsplit
    ) as steady
),

reference_levels as (
    select
        *,
        greatest(
            {{ var('spike_extreme_log_move') }},
            1.5 * {{ var('spike_vol_multiple') }} * coalesce(robust_daily_vol, 0)
        ) as extreme_log_move
    from (
        select * from split_levels
        union all by name
        select * from steady_levels
    ) as levels
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

final as (
    select * from flagged_bar
    where is_close_outside_bar
    union all by name
    select * from jumps
)

select
    * exclude (
        {%- for lag_rows in range(2, 6) %}
        basis_close_lag_{{ lag_rows }},
        {%- endfor %}
        split_log_ratio_fp_before,
        decided_close_outside_bar,
        decided_split_log_ratio_fp
    )
from final
{%- if refresh %}
where price_date >= {{ refresh_from }}
{%- endif %}
