{#-
    Each fund's excess return (total return - risk-free, decimal) at the factors' frequency,
    the left-hand side of the factor-exposure regressions.

    - Embedded sample (daily factors): the session return (int_backtest_returns) minus the
      day's cash rate.
    - Real files (monthly factors): the fund's total return over each calendar month,
      compounded from its session returns in exact fixed point (so it depends only on that
      month's rows), minus the month's Fama-French T-bill return. The fund's first month (it
      may have listed mid-month) and months where it traded on fewer than 75 % of the
      sessions are left out; `period_date` is the month's last calendar day.
-#}

with

returns as (
    select * from {{ ref('int_backtest_returns') }}
),

{% if var('prices_path', none) is none %}
risk_free as (
    select * from {{ ref('int_risk_free_daily') }}
),

final as (
    select
        returns.ticker,
        returns.date as period_date,
        returns.daily_return - coalesce(risk_free.daily_rf, 0.0) as excess_return
    from returns
    left outer join risk_free
        on returns.date = risk_free.date
)
{% else %}
sessions_per_month as (
    select
        date_trunc('month', price_date)::date as month_start,
        count(*) as n_sessions
    from {{ ref('int_trading_calendar') }}
    where is_trading_day
    group by 1
),

fund_months as (
    select
        ticker,
        date_trunc('month', date)::date as month_start,
        count(*) as n_returns,
        exp(
            sum({{ fixed_point('ln(1.0 + daily_return)', '1e15') }})::double / 1e15
        ) - 1.0 as total_return
    from returns
    group by 1, 2
),

first_months as (
    select
        ticker,
        date_trunc('month', min(date))::date as first_month
    from returns
    group by 1
),

fama_french as (
    select
        month_start::date as month_start,
        month_end::date as month_end,
        rf
    from {{ ref('ref_fama_french_monthly') }}
),

final as (
    select
        fund_months.ticker,
        last_day(fund_months.month_start) as period_date,
        fund_months.total_return - fama_french.rf as excess_return
    from fund_months
    inner join sessions_per_month
        on fund_months.month_start = sessions_per_month.month_start
    inner join fama_french
        on fund_months.month_start = fama_french.month_start
    inner join first_months
        on fund_months.ticker = first_months.ticker
    where
        fund_months.n_returns >= 0.75 * sessions_per_month.n_sessions
        and fund_months.month_start > first_months.first_month
)
{% endif %}

select * from final
