{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='date'
) }}
{#-
    Daily total returns of the build's benchmarks (decimal) and a total-return index.

    - Embedded sample: its own indices (AU_EQUITY, GLOBAL_EQUITY_AUD, AU_BONDS).
    - Real files: one benchmark, MARKET: the returns of the `benchmark_ticker` var when set
      (e.g. SPY), else the day's median return of the universe's plain (unlevered) equity
      funds from the metadata (at least three that day), else of all funds. The median is
      point-in-time: it uses only that day's returns.

    `is_market` marks the benchmark that drives the market regime and the default home beta.

    A live refresh takes the returns dated on or after refresh_from from the new prices and the
    earlier ones from this table, then sums the index over the whole series as a full build
    does (a few thousand rows); it writes the dates on or after refresh_from. The rows equal a
    full build's.
-#}
{%- set refresh = is_incremental_refresh() and is_incremental() %}

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
    {{- live_since('price_date', live_refresh_from(), 'and') }}
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

{%- if refresh %}

-- the returns before refresh_from, as the last build wrote them: the index sums from the start
benchmarks_to_date as (
    select
        benchmark_code,
        date,
        daily_return
    from {{ this }}
    where date < {{ live_refresh_from() }}
    union all
    select
        benchmark_code,
        date,
        daily_return
    from benchmarks
    where date >= {{ live_refresh_from() }}
),
{%- else %}

benchmarks_to_date as (
    select * from benchmarks
),
{%- endif %}

fixed_point_returns as (
    select
        *,
        {{ fixed_point('ln(1 + daily_return)', '1e15') }} as log_return_fp
    from benchmarks_to_date
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
{{- live_tail('date') }}
