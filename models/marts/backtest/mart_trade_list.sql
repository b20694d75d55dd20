{#-
    The trades that take the current holdings (holdings_path; cash when absent) to the system's
    target portfolio on the latest date (latest_targets), sized for a portfolio of
    max(`portfolio_value_aud`, the holdings' value), each with its estimated cost:

      trade_value        = |target value - current value|, rounded to whole lots of `lot_size`
                           units at the latest close (price currency)
      est_spread_cost    = trade_value x half spread (int_cost_inputs)
      est_impact_cost    = trade_value x min(10 %, `impact_coefficient` x daily vol
                           x sqrt(trade_value / average daily traded value))
      participation_rate = trade_value / average daily traded value
      days_to_execute    = ceil(participation_rate / `max_participation`), at least 1 for a trade

    These are the cost rules of the backtest (etf_warehouse/backtest/engine.py).
-#}

with

latest_date as (
    select max(as_of_date) as as_of_date from {{ ref('mart_latest_rankings') }}
),

targets as (
    select
        ticker,
        target_weight
    from {{ ref('latest_targets') }}
),

positions as (
    select
        ticker,
        units
    from {{ ref('int_current_positions') }}
),

latest_inputs as (
    select
        inputs.ticker,
        inputs.close,
        inputs.half_spread,
        inputs.daily_vol,
        inputs.traded_value
    from {{ ref('int_cost_inputs') }} as inputs
    cross join latest_date
    where inputs.price_date <= latest_date.as_of_date
    qualify row_number() over (partition by inputs.ticker order by inputs.price_date desc) = 1
),

book as (
    select
        coalesce(targets.ticker, positions.ticker) as ticker,
        coalesce(positions.units, 0) as current_units,
        coalesce(targets.target_weight, 0) as target_weight,
        latest_inputs.close,
        latest_inputs.half_spread,
        latest_inputs.daily_vol,
        latest_inputs.traded_value,
        coalesce(positions.units, 0) * latest_inputs.close as current_value
    from targets
    full outer join positions
        on targets.ticker = positions.ticker
    left outer join latest_inputs
        on coalesce(targets.ticker, positions.ticker) = latest_inputs.ticker
),

portfolio as (
    select
        greatest({{ var('portfolio_value_aud') }}, coalesce(sum(current_value), 0))
            as portfolio_value
    from book
),

sized as (
    select
        book.*,
        portfolio.portfolio_value,
        book.current_value / portfolio.portfolio_value as current_weight,
        book.target_weight * portfolio.portfolio_value as target_value,
        round(
            abs(book.target_weight * portfolio.portfolio_value - book.current_value)
            / book.close / {{ var('lot_size') }}
        ) * {{ var('lot_size') }} as trade_units
    from book
    cross join portfolio
),

costed as (
    select
        *,
        trade_units * close as trade_value,
        trade_units * close / nullif(traded_value, 0) as participation_rate
    from sized
),

final as (
    select
        latest_date.as_of_date,
        costed.ticker,
        case
            when costed.close is null then 'unpriced'
            when costed.trade_units = 0 then 'hold'
            when costed.target_value > costed.current_value then 'buy'
            else 'sell'
        end as side,
        costed.current_units,
        costed.current_weight,
        costed.target_weight,
        costed.trade_units,
        costed.trade_value,
        costed.close as price,
        costed.trade_value * costed.half_spread as est_spread_cost,
        costed.trade_value * least(
            0.10,
            {{ var('impact_coefficient') }} * coalesce(costed.daily_vol, 0)
            * sqrt(coalesce(costed.participation_rate, 0))
        ) as est_impact_cost,
        costed.participation_rate,
        case
            when costed.trade_units > 0
                then greatest(
                        1,
                        ceil(
                            coalesce(costed.participation_rate, 0)
                            / {{ var('max_participation') }}
                        )
                    )::integer
            else 0
        end as days_to_execute,
        costed.portfolio_value
    from costed
    cross join latest_date
)

select * from final
