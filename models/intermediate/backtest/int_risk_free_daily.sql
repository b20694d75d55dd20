{#-
    Daily risk-free return (decimal) for excess returns and Sharpe ratios.

    - Embedded sample: its cash rate (factor rf), as known on the day.
    - Real files: the Fama-French one-month T-bill return (arch's bundled data) spread evenly
      over 21 sessions a month; after the data ends (2018-11) its last value carries
      forward, before it starts 0. A proxy: US T-bills for any market, stated in the docs.
-#}

with

calendar as (
    select price_date as date from {{ ref('int_trading_calendar') }}
    where is_trading_day
),

{% if var('prices_path', none) is none %}
rates as (
    select
        date,
        rf as daily_rf
    from {{ ref('stg_sample__factor_returns') }}
),

final as (
    select
        calendar.date,
        coalesce(rates.daily_rf, 0.0) as daily_rf
    from calendar
    left outer join rates
        on calendar.date = rates.date
)
{% else %}
monthly as (
    select
        month_start,
        month_end,
        rf
    from {{ ref('ref_fama_french_monthly') }}
),

with_month as (
    select
        date,
        date_trunc('month', date)::date as month_start
    from calendar
),

final as (
    -- a month's T-bill return spread over 21 sessions: counting the month's actual sessions
    -- would change the rate of the current month as its days arrive (not point-in-time)
    select
        with_month.date,
        coalesce(monthly.rf / 21.0, 0.0) as daily_rf
    from with_month
    asof left outer join monthly
        on with_month.month_start >= monthly.month_start
)
{% endif %}

select * from final
