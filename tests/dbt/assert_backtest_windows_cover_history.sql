-- The walk-forward has exactly one out-of-sample window per calendar month of each
-- strategy's backtest (after its start day), so n_windows never silently loses a month.
-- (>= 60 windows on the sample and on real files is checked by tests/e2e.)
with

starts as (
    select
        strategy,
        min(date) as start_date
    from {{ ref('mart_backtest_daily') }}
    group by strategy
),

months as (
    select
        daily.strategy,
        count(distinct date_trunc('month', daily.date)) as n_months
    from {{ ref('mart_backtest_daily') }} as daily
    inner join starts
        on daily.strategy = starts.strategy
    where daily.date > starts.start_date
    group by daily.strategy
)

select
    months.strategy,
    months.n_months,
    summary.n_windows
from months
full outer join {{ ref('mart_backtest_summary') }} as summary
    on months.strategy = summary.strategy
where summary.n_windows is distinct from months.n_months
