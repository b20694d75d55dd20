-- Every strategy's targets on every rebalance date sum to at most 1 (never borrows); the
-- equal-weight strategies and optimal mean-variance solves are fully invested. Capped
-- fallbacks may leave cash.
with

totals as (
    select
        strategy,
        rebalance_date,
        sum(target_weight) as total_weight,
        bool_and(construction_status in ('optimal', 'equal_weight')) as must_be_invested
    from {{ ref('mart_portfolio_holdings') }}
    group by strategy, rebalance_date
)

select * from totals
where total_weight > 1 + 1e-9
    or (must_be_invested and abs(total_weight - 1) > 1e-6)
