{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='as_of_date',
    on_schema_change='fail'
) }}
{#-
    The day's ranks: one row per trading day and live fund with the scores and ranks the
    scoring rule computes, and nothing else. macros/scoring/etf_rankings_detailed.sql joins
    back the components, weights, inputs and market context behind them: the published row
    (mart_etf_rankings). The components are those of macros/scoring/score_components.sql.

      weighted_score  = sum of component scores x the day's weights (scoring_weights_mode)
      raw_score       = percentile (0-100) of weighted_score among the day's eligible funds
      penalty_points  = min(penalty_points_cap (30), sum of mart_etf_penalties points)
      adjusted_score  = (raw_score - penalty_points) x macro_multiplier x geo_multiplier
      composite_score = adjusted_score re-ranked to 0-100 among the day's eligible funds
                        (one fund at 100, one at 0, unique: macros/scoring/composite_score.sql)
      score_rank      = 1 for the best eligible fund that day (the composite's order)
      position_size   = inverse-GARCH-vol weight among the day's top `position_top_n` funds
                        (0 below them; null when not eligible)

    macro_multiplier and geo_multiplier come from int_market_context_multipliers (seed
    market_sensitivities x the day's macro and geopolitical pressures, bounded 0.7-1.3); with
    var market_context_adjustment false both are 1 and composite_score equals
    composite_score_unadjusted, the re-ranked raw_score - penalty_points.

    Narrow on purpose: writing costs by the column (3,000 funds: this table with the ~50
    columns of the published row took 44 s, with three of them 7.8 s), and the readers on the
    way to the backtest take a few columns of the monthly signal dates. The wide row is
    written once, by mart_etf_rankings.

    A live refresh computes the days on or after refresh_from. Every value is computed within
    its day, so each input is cut to those days where it is read: a filter on the final rows
    alone reached none of them through the groupings by day, each read twice (3,000 funds:
    a refresh took 4.1 s in this model, now 0.16 s).
-#}
with

universe as (
    select
        as_of_date,
        ticker,
        is_eligible,
        garch_vol_21d_ann
    from {{ ref('int_scoring_universe') }}
    {{- live_tail('as_of_date') }}
),

components as (
    select * from {{ ref('int_component_scores') }}
    {{- live_tail('as_of_date') }}
),

weights as (
    select * from {{ ref('int_scoring_weights') }}
    where weights_mode = '{{ scoring_weights_mode() }}'
    {{- live_since('as_of_date', live_refresh_from(), keyword='and') }}
),

multipliers as (
    select
        as_of_date,
        ticker,
        macro_multiplier,
        geo_multiplier
    from {{ ref('int_market_context_multipliers') }}
    {{- live_tail('as_of_date') }}
),

penalty_totals as (
    select
        as_of_date,
        ticker,
        sum(points) as penalty_points_uncapped,
        count(*) as n_penalties
    from {{ ref('int_penalties_itemised') }}
    {{- live_tail('as_of_date') }}
    group by as_of_date, ticker
),

combined as (
    select
        universe.as_of_date,
        universe.ticker,
        universe.is_eligible,
        universe.garch_vol_21d_ann,
        {{ component_sum('weights.weight_{c} * components.score_{c}') }} as weighted_score,
        coalesce(penalty_totals.penalty_points_uncapped, 0) as penalty_points_uncapped,
        coalesce(penalty_totals.n_penalties, 0) as n_penalties,
        multipliers.macro_multiplier,
        multipliers.geo_multiplier
    from universe
    inner join weights
        on universe.as_of_date = weights.as_of_date
    left outer join components
        on universe.as_of_date = components.as_of_date and universe.ticker = components.ticker
    left outer join penalty_totals
        on universe.as_of_date = penalty_totals.as_of_date
            and universe.ticker = penalty_totals.ticker
    inner join multipliers
        on universe.as_of_date = multipliers.as_of_date and universe.ticker = multipliers.ticker
),

-- The day's eligible funds, counted once per day and joined back. The windows below run over
-- the eligible rows alone (the others' scores are null): over every row, partitioned by day
-- and eligibility, they sorted the ineligible fifth too, and three more windows over the day
-- counted and summed what a grouping does (3,000 funds, this query alone 55.9 -> 28.9
-- CPU-seconds).
day_counts as (
    select
        as_of_date,
        count(*) filter (where is_eligible) as n_eligible
    from combined
    group by as_of_date
),

scored as (
    select
        *,
        {{ raw_score('weighted_score', 'as_of_date') }} as raw_score,
        least(penalty_points_uncapped, {{ var('penalty_points_cap') }}) as penalty_points
    from combined
    where is_eligible
),

adjusted as (
    select
        *,
        {{ adjusted_score('raw_score', 'penalty_points', 'macro_multiplier', 'geo_multiplier') }}
            as adjusted_score,
        {{ adjusted_score('raw_score', 'penalty_points') }} as adjusted_score_unadjusted
    from scored
),

ranked as (
    select
        *,
        {{ score_rank('adjusted_score', 'raw_score', 'as_of_date') }} as score_rank,
        {{ score_rank('adjusted_score_unadjusted', 'raw_score', 'as_of_date') }}
            as score_rank_unadjusted
    from adjusted
),

sized as (
    -- inverse volatility of the day's top funds, summed in exact fixed point
    select
        *,
        case
            when score_rank <= {{ var('position_top_n') }}
                then {{ fixed_point('1.0 / garch_vol_21d_ann', '1e9') }}
        end as inverse_vol_fp
    from ranked
),

day_sizes as (
    select
        as_of_date,
        sum(inverse_vol_fp) as inverse_vol_fp_sum
    from sized
    group by as_of_date
),

eligible as (
    select
        sized.*,
        day_counts.n_eligible,
        {{ composite_score('sized.score_rank', count='day_counts.n_eligible') }}
            as composite_score,
        {{ composite_score('sized.score_rank_unadjusted', count='day_counts.n_eligible') }}
            as composite_score_unadjusted,
        case
            when sized.score_rank <= {{ var('position_top_n') }}
                then sized.inverse_vol_fp / day_sizes.inverse_vol_fp_sum::double
            else 0.0
        end as position_size
    from sized
    inner join day_counts
        on sized.as_of_date = day_counts.as_of_date
    inner join day_sizes
        on sized.as_of_date = day_sizes.as_of_date
),

not_eligible as (
    select
        combined.*,
        day_counts.n_eligible,
        least(combined.penalty_points_uncapped, {{ var('penalty_points_cap') }})
            as penalty_points,
        null::double as raw_score,
        null::double as adjusted_score,
        null::double as composite_score,
        null::double as composite_score_unadjusted,
        null::bigint as score_rank,
        null::double as position_size
    from combined
    inner join day_counts
        on combined.as_of_date = day_counts.as_of_date
    where not combined.is_eligible
),

every_fund as (
    select * from eligible
    union all by name
    select * from not_eligible
),

final as (
    select
        -- keys
        every_fund.as_of_date,
        every_fund.ticker,
        every_fund.is_eligible,
        day_weights.regime,
        day_weights.weights_mode,
        every_fund.n_eligible,
        -- composite
        every_fund.weighted_score,
        every_fund.raw_score,
        every_fund.penalty_points,
        every_fund.penalty_points_uncapped,
        every_fund.n_penalties,
        every_fund.macro_multiplier,
        every_fund.geo_multiplier,
        every_fund.adjusted_score,
        every_fund.composite_score,
        every_fund.composite_score_unadjusted,
        every_fund.score_rank,
        every_fund.position_size
    from every_fund
    -- the day's regime and weights mode, joined here: carried through the windows above, two
    -- strings sorted with every row three times (3,000 funds: the windows 8.2 -> 6.6 CPU-s)
    inner join weights as day_weights
        on every_fund.as_of_date = day_weights.as_of_date
)

select * from final
{{ live_tail('as_of_date') }}
