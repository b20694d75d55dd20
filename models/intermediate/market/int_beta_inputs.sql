{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='price_date'
) }}
{#-
    Each fund's daily return beside its home benchmark's return over the same span: from the
    fund's previous row to this one (a return after a gap covers several sessions, and so does
    the benchmark return it is paired with). Decimal returns; point-in-time.
-#}

with

prices as (
    select
        ticker,
        price_date,
        prev_date,
        daily_return
    from {{ ref('int_prices_adjusted') }}
    where daily_return is not null
),

home as (
    select * from {{ ref('int_etf_home_benchmarks') }}
),

benchmark as (
    select
        benchmark_code,
        date,
        index_level
    from {{ ref('int_benchmark_returns') }}
),

with_home as (
    select
        prices.*,
        home.benchmark_code
    from prices
    inner join home
        on prices.ticker = home.ticker
),

with_levels as (
    select
        with_home.*,
        level_now.index_level as benchmark_level_now,
        level_prev.index_level as benchmark_level_prev
    from with_home
    asof left join benchmark as level_now
        on
            with_home.benchmark_code = level_now.benchmark_code
            and with_home.price_date >= level_now.date
    asof left join benchmark as level_prev
        on
            with_home.benchmark_code = level_prev.benchmark_code
            and with_home.prev_date >= level_prev.date
),

final as (
    select
        ticker,
        price_date,
        benchmark_code,
        daily_return,
        benchmark_level_now / benchmark_level_prev - 1 as benchmark_return
    from with_levels
)

select * from final
{{ live_tail('price_date') }}
