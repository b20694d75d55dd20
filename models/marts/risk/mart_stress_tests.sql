{#-
    Stress scenarios (seeds stress_scenarios, stress_shocks) replayed on today's eligible funds
    and on today's target portfolio (latest_targets, the trade list's destination).

    Per fund, the first return available (int_stress_modelled_returns says how each is made):
      own_history          historical scenarios: its own total return over the window;
      factor_model         its latest significant loadings times the factors' returns over the
                           window (historical) or times the factor shocks (hypothetical);
      asset_class_analogue the median of the funds of its sub-class, else asset class
                           (int_stress_analogues, at least two funds).
    Only loadings with |t| >= `stress_min_abs_t` (2) are used: a shock many standard deviations
    of a quiet factor away (credit spreads +300 bp) would otherwise turn the estimation noise
    of loadings that are really zero into returns of several percent.
    Neither: shocked_return null, method not_available (e.g. real files end before 2020, and
    have no FX factor for aud_down_15).

    The portfolio row (ticker null): sum of target weight x the fund's shocked return; null
    unless every holding has one. Cash (1 - sum of weights) returns 0.
    Sums over holdings add in a fixed order (ordered_sum), so rebuilds of the same data give
    the same bits.
-#}

with

scenarios as (
    select * from {{ ref('stress_scenarios') }}
),

today as (
    select
        as_of_date,
        ticker
    from {{ ref('mart_latest_rankings') }}
    where is_eligible
),

as_of as (
    select max(as_of_date) as as_of_date from {{ ref('mart_latest_rankings') }}
),

etfs as (
    select
        ticker,
        asset_class,
        sub_class
    from {{ ref('dim_etfs') }}
),

loadings_dates as (
    select
        ticker,
        max(as_of_date) as loadings_as_of_date
    from {{ ref('factor_loadings') }}
    group by ticker
),

targets as (
    select
        ticker,
        target_weight
    from {{ ref('latest_targets') }}
),

modelled as (
    select * from {{ ref('int_stress_modelled_returns') }}
),

sub_class_analogues as (
    select * from {{ ref('int_stress_analogues') }}
    where analogue_level = 'sub_class'
),

asset_class_analogues as (
    select * from {{ ref('int_stress_analogues') }}
    where analogue_level = 'asset_class'
),

best_modelled as (
    -- own history first, then the factor model
    select * from modelled
    qualify row_number() over (
            partition by scenario, ticker
            order by case method when 'own_history' then 1 else 2 end
        ) = 1
),

fund_rows as (
    select
        today.as_of_date,
        scenarios.scenario,
        scenarios.scenario_type,
        today.ticker,
        coalesce(
            best_modelled.shocked_return,
            sub_class_analogues.shocked_return,
            asset_class_analogues.shocked_return
        ) as shocked_return,
        case
            when best_modelled.shocked_return is not null then best_modelled.method
            when
                coalesce(sub_class_analogues.shocked_return, asset_class_analogues.shocked_return)
                is not null
                then 'asset_class_analogue'
            else 'not_available'
        end as method,
        targets.target_weight as portfolio_weight,
        case
            when best_modelled.method = 'factor_model' then loadings_dates.loadings_as_of_date
        end as loadings_as_of_date
    from today
    cross join scenarios
    inner join etfs
        on today.ticker = etfs.ticker
    left outer join best_modelled
        on scenarios.scenario = best_modelled.scenario and today.ticker = best_modelled.ticker
    left outer join sub_class_analogues
        on
            scenarios.scenario = sub_class_analogues.scenario
            and etfs.asset_class = sub_class_analogues.asset_class
            and etfs.sub_class = sub_class_analogues.sub_class
    left outer join asset_class_analogues
        on
            scenarios.scenario = asset_class_analogues.scenario
            and etfs.asset_class = asset_class_analogues.asset_class
    left outer join targets
        on today.ticker = targets.ticker
    left outer join loadings_dates
        on today.ticker = loadings_dates.ticker
),

portfolio_rows as (
    select
        as_of.as_of_date,
        scenarios.scenario,
        scenarios.scenario_type,
        null::varchar as ticker,
        case
            when count(*) filter (where fund_rows.shocked_return is null) = 0
                then coalesce({{ ordered_sum(
                    'targets.target_weight * fund_rows.shocked_return', 'targets.ticker'
                ) }}, 0.0)
        end as shocked_return,
        'portfolio' as method,
        coalesce(
            {{ ordered_sum('targets.target_weight', 'targets.ticker') }}, 0.0
        ) as portfolio_weight,
        coalesce(
            {{ ordered_sum(
                'case when fund_rows.shocked_return is not null then targets.target_weight end',
                'targets.ticker'
            ) }},
            0.0
        ) as weight_covered
    from scenarios
    cross join as_of
    left outer join targets
        on true
    left outer join fund_rows
        on scenarios.scenario = fund_rows.scenario and targets.ticker = fund_rows.ticker
    -- nothing scored yet (a tiny or short universe): no portfolio to stress
    where as_of.as_of_date is not null
    group by as_of.as_of_date, scenarios.scenario, scenarios.scenario_type
),

final as (
    select
        fund_rows.as_of_date,
        fund_rows.scenario,
        fund_rows.scenario_type,
        fund_rows.ticker,
        fund_rows.shocked_return,
        fund_rows.method,
        fund_rows.portfolio_weight,
        null::double as weight_covered,
        fund_rows.loadings_as_of_date,
        scenarios.start_date,
        scenarios.end_date,
        scenarios.description
    from fund_rows
    inner join scenarios
        on fund_rows.scenario = scenarios.scenario
    union all
    select
        portfolio_rows.as_of_date,
        portfolio_rows.scenario,
        portfolio_rows.scenario_type,
        portfolio_rows.ticker,
        portfolio_rows.shocked_return,
        portfolio_rows.method,
        portfolio_rows.portfolio_weight,
        portfolio_rows.weight_covered,
        null::date as loadings_as_of_date,
        scenarios.start_date,
        scenarios.end_date,
        scenarios.description
    from portfolio_rows
    inner join scenarios
        on portfolio_rows.scenario = scenarios.scenario
)

select * from final
