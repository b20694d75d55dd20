{#-
    The component weights of every weights mode on each trading day (one row per day and mode);
    mart_etf_rankings uses the mode of var `scoring_weights_mode`, the backtest compares all
    three (int_backtest_signals):

      regime   the weights of the day's market regime (seed regime_weights)
      fixed    the `fixed` row of seed regime_weights, every day
      learned  weights that follow each component's trailing out-of-sample rank IC:
                 ic_c     = mean rank IC of component c at `learned_weights_horizon` (21
                            sessions) over its latest `learned_weights_window` (36) monthly
                            ICs complete before the day
                 w_ic     = max(ic_c, 0) / sum over components of max(ic, 0)
                 weight_c = (1 - s) x w_ic + s x 1/n,  s = `learned_weights_shrinkage`,
                            n = the number of components (4)
               so weights are non-negative, sum to 1 and are shrunk toward equal weights. With
               fewer than `learned_weights_min_ics` ICs, or no component with a positive IC,
               they are equal weights (learned_status says which).

    A learned weight on day d uses only ICs whose forward returns were complete before d
    (int_component_ic's as_of_date < d): point-in-time. The components: the registry
    macros/scoring/score_components.sql.
-#}
{%- set components = score_component_names() %}
{%- set window = var('learned_weights_window') | int %}
{%- set shrink = var('learned_weights_shrinkage') %}

with

calendar as (
    select price_date as as_of_date from {{ ref('int_trading_calendar') }}
    where is_trading_day
),

regimes as (
    select
        date,
        regime
    from {{ ref('int_market_regimes') }}
),

seed_weights as (
    select * from {{ ref('regime_weights') }}
),

daily_regime as (
    select
        calendar.as_of_date,
        coalesce(regimes.regime, 'warming_up') as regime
    from calendar
    asof left outer join regimes
        on calendar.as_of_date >= regimes.date
),

component_ic as (
    select
        as_of_date as ic_known_date,
        signal_date,
        signal,
        rank_ic,
        {{ fixed_point('rank_ic', '1e12') }} as rank_ic_fp
    from {{ ref('int_component_ic') }}
    where horizon_sessions = {{ learned_weights_horizon() }}
),

trailing_ic as (
    select
        ic_known_date,
        signal,
        -- exact (fixed-point) sums: the same bits whatever data follows
        {{ exact_window_sum('rank_ic_fp', '1e12', 'last_rows') }} / count(rank_ic) over last_rows
            as mean_ic,
        count(rank_ic) over last_rows as n_ics
    from component_ic
    window last_rows as (
        partition by signal order by signal_date
        rows between {{ window - 1 }} preceding and current row
    )
),

evidence as (
    select
        ic_known_date,
        {%- for name in components %}
        max(mean_ic) filter (where signal = 'score_{{ name }}') as ic_{{ name }},
        {%- endfor %}
        min(n_ics) as n_ics
    from trailing_ic
    group by ic_known_date
),

learned_raw as (
    select
        *,
        {{ component_sum('greatest(coalesce(ic_{c}, 0), 0)') }} as positive_ic_total
    from evidence
),

daily_evidence as (
    select
        daily_regime.as_of_date,
        daily_regime.regime,
        learned_raw.n_ics,
        learned_raw.positive_ic_total,
        {%- for name in components %}
        learned_raw.ic_{{ name }},
        {%- endfor %}
        case
            when coalesce(learned_raw.n_ics, 0) < {{ var('learned_weights_min_ics') }}
                then 'warming_up'
            when learned_raw.positive_ic_total <= 0 then 'no_positive_ic'
            else 'learned'
        end as learned_status
    from daily_regime
    asof left outer join learned_raw
        on daily_regime.as_of_date > learned_raw.ic_known_date
),

learned as (
    select
        as_of_date,
        regime,
        'learned' as weights_mode,
        {%- for name in components %}
        ic_{{ name }} as trailing_ic_{{ name }},
        case
            when learned_status = 'learned'
                then {{ learned_weight('ic_' ~ name, shrink, components | length) }}
            else {{ 1 / components | length }}
        end as weight_{{ name }},
        {%- endfor %}
        learned_status
    from daily_evidence
),

seed_modes as (
    select unnest(['regime', 'fixed']) as weights_mode
),

seeded as (
    select
        daily_regime.as_of_date,
        daily_regime.regime,
        modes.weights_mode,
        {%- for name in components %}
        seed_weights.weight_{{ name }},
        null::double as trailing_ic_{{ name }},
        {%- endfor %}
        null::varchar as learned_status
    from daily_regime
    cross join seed_modes as modes
    inner join seed_weights
        on seed_weights.regime = if(modes.weights_mode = 'fixed', 'fixed', daily_regime.regime)
),

final as (
    select * from seeded
    union all by name
    select * from learned
)

select
    as_of_date,
    weights_mode,
    regime,
    {%- for name in components %}
    weight_{{ name }},
    {%- endfor %}
    learned_status,
    {{ component_columns('trailing_ic_{c}') | join(',\n    ') }}
from final
