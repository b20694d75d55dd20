{#-
    Alphalens-style quality of cross-sectional signals, one definition for every IC table.

    `values_relation` holds one row per signal_date x ticker x signal with `signal_value`
    (higher = expected to do better) and the `segment_column` that splits the cross-section
    (a constant 'all', or the asset class). Against the forward returns of
    int_signal_forward_returns, per segment x signal x signal_date x horizon_sessions:

      rank_ic               Spearman correlation of signal and forward return (Pearson
                            correlation of their average ranks, ties sharing a rank; null
                            when either is constant that day)
      n_funds               funds with both (rows with fewer than `min_universe_size` are dropped)
      quintile_1..5_return  mean forward return of each signal quintile (5 = highest signal;
                            quintile by average rank, so tied funds share a quintile)
      top_minus_bottom      quintile 5 minus quintile 1 (a return over the horizon)
      top_quintile_turnover share of the top quintile's funds that were not in it on the
                            previous signal date (null on the first)
      return_complete_date  the day the forward return is known: the row's point-in-time date
-#}
{#- The rank of `column` within `partition_by`, 1 = lowest, ties sharing their average rank
    (what Spearman's correlation ranks by), e.g. 1, 2.5, 2.5, 4: the mean of a tie's first
    position (rank()) and its last (count(*) over the same order counts the rows up to and
    including the current row's peers). Both windows share one sort. `column` is never NULL
    here (signal values are filtered, forward returns are not null: a data test). -#}
{% macro average_rank(column, partition_by) -%}
    (
        rank() over (partition by {{ partition_by }} order by {{ column }} asc)
        + count(*) over (partition by {{ partition_by }} order by {{ column }} asc)
    ) / 2.0
{%- endmacro %}

{#- The quintile (1 = lowest, 5 = highest) of an average rank among n funds: tied funds share
    a quintile. -#}
{% macro signal_quintile(average_rank, n) -%}
    floor(5 * ({{ average_rank }} - 0.5) / {{ n }})::integer + 1
{%- endmacro %}

{% macro signal_quality(values_relation, segment_column) -%}
with

values_read as (
    select
        {{ segment_column }} as segment,
        signal,
        signal_date,
        ticker,
        signal_value
    from {{ values_relation }}
    where signal_value is not null
),

cross_sections as (
    -- one integer per segment x signal x signal_date, in that order: the rank windows below
    -- partition by it instead of two strings and a date, a cheaper sort key (int_signal_ic
    -- at 3,000 funds 11.2 -> 8.7 s). date_number: the segment's signal dates in order,
    -- numbered before any filter, so "previous" is the signal date just before (not the last
    -- one that happened to have a top quintile)
    select
        segment,
        signal,
        signal_date,
        row_number() over (order by segment, signal, signal_date) as cross_section_id,
        row_number() over (partition by segment, signal order by signal_date) as date_number
    from (select distinct segment, signal, signal_date from values_read)
),

signal_values as (
    select
        values_read.*,
        cross_sections.cross_section_id,
        cross_sections.date_number
    from values_read
    inner join cross_sections
        on values_read.segment = cross_sections.segment
            and values_read.signal = cross_sections.signal
            and values_read.signal_date = cross_sections.signal_date
),

membership as (
    -- top quintile by the signal alone (independent of the horizon)
    select
        segment,
        signal,
        date_number,
        ticker,
        {{ average_rank('signal_value', 'cross_section_id') }} as value_rank,
        count(*) over (partition by cross_section_id) as n_signal
    from signal_values
),

top_quintile as (
    select
        segment,
        signal,
        ticker,
        date_number
    from membership
    where {{ signal_quintile('value_rank', 'n_signal') }} = 5
),

top_sizes as (
    select
        segment,
        signal,
        date_number,
        count(*) as n_top
    from top_quintile
    group by segment, signal, date_number
),

turnover as (
    -- null when the previous signal date had no top quintile (or there is none)
    select
        current_top.segment,
        current_top.signal,
        current_top.date_number,
        case
            when max(previous_size.n_top) > 0
                then 1.0 - count(previous_top.ticker) / count(*)
        end as top_quintile_turnover
    from top_quintile as current_top
    left outer join top_sizes as previous_size
        on current_top.segment = previous_size.segment
            and current_top.signal = previous_size.signal
            and previous_size.date_number = current_top.date_number - 1
    left outer join top_quintile as previous_top
        on current_top.segment = previous_top.segment
            and current_top.signal = previous_top.signal
            and current_top.ticker = previous_top.ticker
            and previous_top.date_number = current_top.date_number - 1
    group by current_top.segment, current_top.signal, current_top.date_number
),

joined as (
    -- narrow: the rank windows sort these rows with their payload, so the strings (segment,
    -- signal, ticker) stay out; a cross-section's are joined back once it is summed
    -- (int_signal_ic at 3,000 funds: the two windows took 24 of its 33 CPU-seconds)
    select
        signal_values.cross_section_id,
        signal_values.signal_value,
        forward.horizon_sessions,
        forward.forward_return,
        forward.return_complete_date
    from signal_values
    inner join {{ ref('int_signal_forward_returns') }} as forward
        on signal_values.ticker = forward.ticker
            and signal_values.signal_date = forward.signal_date
),

ranked as (
    select
        *,
        count(*) over (partition by cross_section_id, horizon_sessions) as n_funds,
        {{ average_rank('signal_value', 'cross_section_id, horizon_sessions') }} as value_rank,
        {{ average_rank('forward_return', 'cross_section_id, horizon_sessions') }} as return_rank
    from joined
),

quintiled as (
    select
        *,
        {{ signal_quintile('value_rank', 'n_funds') }} as quintile
    from ranked
),

per_date as (
    -- integer sums (ranks doubled to whole numbers, returns in fixed point) so every value is
    -- exact and independent of the order DuckDB adds rows in (macros/helpers/fixed_point.sql)
    select
        cross_section_id,
        horizon_sessions,
        max(return_complete_date) as return_complete_date,
        count(*) as n_funds,
        sum((2 * value_rank)::bigint) as sum_x,
        sum((2 * return_rank)::bigint) as sum_y,
        sum((2 * value_rank)::bigint * (2 * return_rank)::bigint) as sum_xy,
        sum((2 * value_rank)::bigint * (2 * value_rank)::bigint) as sum_xx,
        sum((2 * return_rank)::bigint * (2 * return_rank)::bigint) as sum_yy,
        {%- for k in range(1, 6) %}
        sum({{ fixed_point('forward_return', '1e10') }}) filter (where quintile = {{ k }})::double
        / 1e10 / count(*) filter (where quintile = {{ k }}) as quintile_{{ k }}_return{{ ',' if not loop.last }}
        {%- endfor %}
    from quintiled
    group by cross_section_id, horizon_sessions
    having count(*) >= {{ var('min_universe_size') }}
),

with_ic as (
    -- Pearson correlation of the ranks: (n Sxy - Sx Sy) / sqrt((n Sxx - Sx^2)(n Syy - Sy^2))
    select
        cross_sections.segment,
        cross_sections.signal,
        cross_sections.signal_date,
        cross_sections.date_number,
        per_date.*,
        (per_date.n_funds * per_date.sum_xy - per_date.sum_x * per_date.sum_y)::double
        / nullif(
            sqrt(
                (per_date.n_funds * per_date.sum_xx - per_date.sum_x * per_date.sum_x)::double
                * (per_date.n_funds * per_date.sum_yy - per_date.sum_y * per_date.sum_y)::double
            ),
            0
        ) as rank_ic
    from per_date
    inner join cross_sections
        on per_date.cross_section_id = cross_sections.cross_section_id
)

select
    with_ic.segment,
    with_ic.signal,
    with_ic.return_complete_date as as_of_date,
    with_ic.signal_date,
    with_ic.horizon_sessions,
    with_ic.rank_ic,
    with_ic.n_funds,
    with_ic.quintile_1_return,
    with_ic.quintile_2_return,
    with_ic.quintile_3_return,
    with_ic.quintile_4_return,
    with_ic.quintile_5_return,
    with_ic.quintile_5_return - with_ic.quintile_1_return as top_minus_bottom,
    turnover.top_quintile_turnover
from with_ic
left outer join turnover
    on with_ic.segment = turnover.segment
        and with_ic.signal = turnover.signal
        and with_ic.date_number = turnover.date_number
{%- endmacro %}
