{#- A table, not the folder's view: mart_signal_ic publishes it and the Python model
    signal_diagnostics summarises it. -#}
{{ config(materialized='table') }}
{#-
    Does a signal rank the funds that will do better above those that will do worse? One row
    per signal x monthly signal date x horizon (1, 5, 21, 63 sessions), across all eligible
    funds (published as mart_signal_ic): the rank IC (Spearman correlation of the signal with
    each fund's forward total return), the signal's quintiles' mean forward returns and the
    top quintile's turnover (macros/signals/signal_quality.sql; forward returns:
    int_signal_forward_returns).

    Signals: composite_score and raw_score (the system), score_<component> (its components:
    macros/scoring/score_components.sql) and the simple peers peer_momentum_12_1,
    peer_momentum_6m, peer_low_volatility, peer_reversal_1m, peer_trend_200d (int_signal_inputs).

    Point-in-time: as_of_date is the day the forward return is complete (the signal date's
    next session plus horizon_sessions sessions), not the signal date; a row dated d uses only
    data dated on or before d, and the latest months have no row at the longer horizons yet.
-#}

with

quality as (
    {{ signal_quality(ref('int_signal_values'), "'all'") }}
),

regimes as (
    select
        as_of_date,
        regime
    from {{ ref('int_scoring_weights') }}
    where weights_mode = 'regime'
),

final as (
    select
        quality.signal,
        quality.as_of_date,
        quality.signal_date,
        quality.horizon_sessions,
        quality.rank_ic,
        quality.n_funds,
        quality.quintile_1_return,
        quality.quintile_2_return,
        quality.quintile_3_return,
        quality.quintile_4_return,
        quality.quintile_5_return,
        quality.top_minus_bottom,
        quality.top_quintile_turnover,
        regimes.regime
    from quality
    left outer join regimes
        on quality.signal_date = regimes.as_of_date
)

select * from final
