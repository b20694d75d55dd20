{#-
    Every signal the diagnostics judge, one row per monthly signal date x eligible fund x
    signal: the weight-free ones of int_signal_inputs (components and simple peers) plus the
    system's own scores from int_etf_rankings (published as mart_etf_rankings):

      composite_score   the score the ranking and the backtest use
      raw_score         the weighted components before penalties and multipliers

    It reads the rankings (like int_backtest_signals): the composite depends on the
    learned weights, which depend on the components' ICs, so the components are judged first.
-#}

with

inputs as (
    select * from {{ ref('int_signal_inputs') }}
),

signal_dates as (
    select distinct signal_date from inputs
),

scores as (
    select
        rankings.as_of_date as signal_date,
        rankings.ticker,
        universe.asset_class,
        rankings.composite_score,
        rankings.raw_score
    from {{ ref('int_etf_rankings') }} as rankings
    inner join signal_dates
        on rankings.as_of_date = signal_dates.signal_date
    inner join {{ ref('int_scoring_universe') }} as universe
        on rankings.as_of_date = universe.as_of_date and rankings.ticker = universe.ticker
    where rankings.is_eligible
),

final as (
    select * from inputs
    union all by name
    (
        unpivot scores
        on composite_score, raw_score
        into name signal value signal_value
    )
)

select * from final
