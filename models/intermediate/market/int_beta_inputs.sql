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

-- Each benchmark's level as of every date a fund row needs (its date and its previous row's):
-- a small table (benchmarks x dates), joined to the fund rows by equality. As two ASOF joins
-- of the fund rows themselves, each sorted every row by benchmark and date (3,000 funds: 9.2
-- of the query's 10.0 CPU-seconds); the levels are the same rows.
needed_dates as (
    select price_date as date from prices
    union
    select prev_date as date from prices
),

levels as (
    select
        codes.benchmark_code,
        needed_dates.date,
        benchmark.index_level
    from (select distinct benchmark_code from home) as codes
    cross join needed_dates
    asof left join benchmark
        on
            codes.benchmark_code = benchmark.benchmark_code
            and needed_dates.date >= benchmark.date
),

with_levels as (
    select
        with_home.*,
        level_now.index_level as benchmark_level_now,
        level_prev.index_level as benchmark_level_prev
    from with_home
    left outer join levels as level_now
        on
            with_home.benchmark_code = level_now.benchmark_code
            and with_home.price_date = level_now.date
    left outer join levels as level_prev
        on
            with_home.benchmark_code = level_prev.benchmark_code
            and with_home.prev_date = level_prev.date
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
