{#-
    Daily total returns of the build's benchmarks (decimal) and a total-return index.

    - Embedded sample: its own indices (AU_EQUITY, GLOBAL_EQUITY_AUD, AU_BONDS).
    - Real files: one benchmark, MARKET: the returns of the `benchmark_ticker` var when set
      (e.g. SPY), else the day's median return of the universe's plain (unlevered) equity
      funds from the metadata (at least three that day), else of all funds. The median is
      point-in-time: it uses only that day's returns.

    `is_market` marks the benchmark that drives the market regime and the default home beta.
-#}

with

{% if var('prices_path', none) is none %}
benchmarks as (
    select
        benchmark_code,
        date,
        daily_return
    from {{ ref('stg_sample__benchmarks') }}
),
{% else %}
prices as (
    select
        ticker,
        price_date as date,
        daily_return
    from {{ ref('int_prices_adjusted') }}
    where daily_return is not null
),

benchmarks as (
    {% if var('benchmark_ticker', none) is not none %}
    select
        'MARKET' as benchmark_code,
        date,
        daily_return
    from prices
    where ticker = '{{ var("benchmark_ticker") | upper }}'
    {% else %}
    select
        'MARKET' as benchmark_code,
        prices.date,
        coalesce(
            case
                when
                    count(*) filter (
                        where metadata.asset_class = 'equity' and coalesce(metadata.leverage, 1) = 1
                    ) >= 3
                    then median(prices.daily_return) filter (
                            where metadata.asset_class = 'equity'
                            and coalesce(metadata.leverage, 1) = 1
                        )
            end,
            median(prices.daily_return)
        ) as daily_return
    from prices
    left outer join {{ ref('int_etf_metadata') }} as metadata
        on prices.ticker = metadata.ticker
    group by prices.date
    {% endif %}
),
{% endif %}

fixed_point_returns as (
    select
        *,
        {{ fixed_point('ln(1 + daily_return)', '1e15') }} as log_return_fp
    from benchmarks
),

final as (
    select
        benchmark_code,
        date,
        daily_return,
        1000 * exp({{ exact_window_sum('log_return_fp', '1e15', 'history_to_date') }})
            as index_level,
        benchmark_code = '{{ market_benchmark_code() }}' as is_market
    from fixed_point_returns
    window history_to_date as (
        partition by benchmark_code order by date
        rows between unbounded preceding and current row
    )
)

select * from final
