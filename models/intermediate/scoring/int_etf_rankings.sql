{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='as_of_date',
    on_schema_change='fail'
) }}
{#-
    The daily ranked score (published as mart_etf_rankings): one row per trading day and live
    fund, with its components, penalties, multipliers and the inputs behind them. The
    components are those of macros/scoring/score_components.sql, in its order.

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
-#}
{%- set components = score_component_names() %}

with

-- `combined` is read twice (by the narrow ranks below and by the wide join back), so DuckDB
-- would materialise it: a copy of ~80 columns that no read could prune. `not materialized`
-- inlines it and the import CTEs under it, and each read takes only the columns it needs
-- (3,000 funds: 46.6 -> 21.0 s; the rule in README "Layout").
universe as not materialized (
    select * from {{ ref('int_scoring_universe') }}
),

components as not materialized (
    select * from {{ ref('int_component_scores') }}
),

weights as not materialized (
    select * from {{ ref('int_scoring_weights') }}
    where weights_mode = '{{ scoring_weights_mode() }}'
),

multipliers as not materialized (
    select * from {{ ref('int_market_context_multipliers') }}
),

penalty_totals as (
    select
        as_of_date,
        ticker,
        sum(points) as penalty_points_uncapped,
        count(*) as n_penalties
    from {{ ref('int_penalties_itemised') }}
    group by as_of_date, ticker
),

combined as not materialized (
    select
        universe.*,
        weights.regime,
        weights.weights_mode,
        {%- for name in components %}
        weights.weight_{{ name }},
        components.score_{{ name }},
        {%- endfor %}
        {{ component_sum('weights.weight_{c} * components.score_{c}') }} as weighted_score,
        coalesce(penalty_totals.penalty_points_uncapped, 0) as penalty_points_uncapped,
        coalesce(penalty_totals.n_penalties, 0) as n_penalties,
        multipliers.macro_multiplier,
        multipliers.geo_multiplier,
        multipliers.rate_sensitivity,
        multipliers.credit_sensitivity,
        multipliers.geo_sensitivity,
        multipliers.rate_pressure,
        multipliers.credit_pressure,
        multipliers.geo_pressure,
        multipliers.rate_series,
        multipliers.credit_series,
        multipliers.geo_series,
        multipliers.market_context_note
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

-- The day's ranks and sizes are computed on the keys and the few columns they read, then
-- joined back: each window pass over all ~80 columns of `combined` cost about 10 s at 3,000
-- funds (six passes: 58 of 74 s).
scored as (
    select
        as_of_date,
        ticker,
        is_eligible,
        macro_multiplier,
        geo_multiplier,
        garch_vol_21d_ann,
        case
            when is_eligible then {{ raw_score('weighted_score', 'as_of_date, is_eligible') }}
        end as raw_score,
        least(penalty_points_uncapped, {{ var('penalty_points_cap') }}) as penalty_points
    from combined
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
        case
            when is_eligible
                then {{ score_rank('adjusted_score', 'raw_score', 'as_of_date, is_eligible') }}
        end as score_rank,
        case
            when is_eligible
                then {{ score_rank(
                    'adjusted_score_unadjusted', 'raw_score', 'as_of_date, is_eligible'
                ) }}
        end as score_rank_unadjusted,
        count(*) filter (where is_eligible) over (partition by as_of_date) as n_eligible
    from adjusted
),

composite as (
    select
        *,
        case
            when is_eligible
                then {{ composite_score('score_rank', 'as_of_date, is_eligible') }}
        end as composite_score,
        case
            when is_eligible
                then {{ composite_score('score_rank_unadjusted', 'as_of_date, is_eligible') }}
        end as composite_score_unadjusted
    from ranked
),

sized as (
    -- inverse volatility of the day's top funds, summed in exact fixed point
    select
        *,
        case
            when score_rank <= {{ var('position_top_n') }}
                then {{ fixed_point('1.0 / garch_vol_21d_ann', '1e9') }}
        end as inverse_vol_fp
    from composite
),

ranks as (
    select
        as_of_date,
        ticker,
        raw_score,
        penalty_points,
        adjusted_score,
        composite_score,
        composite_score_unadjusted,
        score_rank,
        n_eligible,
        case
            when is_eligible and score_rank <= {{ var('position_top_n') }}
                then inverse_vol_fp / (sum(inverse_vol_fp) over (partition by as_of_date))::double
            when is_eligible then 0.0
        end as position_size
    from sized
),

with_ranks as (
    select
        combined.*,
        ranks.* exclude (ranks.as_of_date, ranks.ticker)
    from combined
    inner join ranks
        on combined.as_of_date = ranks.as_of_date and combined.ticker = ranks.ticker
),

final as (
    select
        -- keys
        as_of_date,
        ticker,
        -- eligibility and context
        is_eligible,
        exclusion_reason,
        risk_category,
        asset_class,
        regime,
        weights_mode,
        n_eligible,
        last_price_date,
        days_since_price,
        -- components (0-100) and the weights used
        {%- for name in components %}
        score_{{ name }},
        {%- endfor %}
        {%- for name in components %}
        weight_{{ name }},
        {%- endfor %}
        -- composite
        weighted_score,
        raw_score,
        penalty_points,
        penalty_points_uncapped,
        n_penalties,
        macro_multiplier,
        geo_multiplier,
        adjusted_score,
        composite_score,
        composite_score_unadjusted,
        score_rank,
        position_size,
        -- inputs
        garch_vol_21d_ann as garch_vol_ann,
        vol_model,
        beta,
        beta_model,
        beta_rolling,
        forecast_return,
        momentum_12_1,
        momentum_6m,
        drawdown,
        max_drawdown_12m,
        traded_value_3m,
        -- market context behind the multipliers
        rate_sensitivity,
        credit_sensitivity,
        geo_sensitivity,
        rate_pressure,
        credit_pressure,
        geo_pressure,
        rate_series,
        credit_series,
        geo_series,
        market_context_note
    from with_ranks
)

select * from final
{{ live_tail('as_of_date') }}
