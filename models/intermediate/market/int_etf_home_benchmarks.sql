{#-
    Each ETF's home benchmark for its betas (seed home_benchmark_rules; the market otherwise).
-#}
with

etfs as (
    select * from {{ ref('int_etfs_classified') }}
),

available_benchmarks as (
    select distinct benchmark_code from {{ ref('int_benchmark_returns') }}
),

rules as (
    select home_benchmark_rules.*
    from {{ ref('home_benchmark_rules') }} as home_benchmark_rules
    inner join available_benchmarks
        on home_benchmark_rules.benchmark_code = available_benchmarks.benchmark_code
),

matched as (
    select
        etfs.ticker,
        arg_min(rules.benchmark_code, rules.priority) as rule_benchmark_code
    from etfs
    inner join rules
        on
            etfs.asset_class like rules.asset_class_like
            and etfs.region like rules.region_like
    group by etfs.ticker
),

final as (
    select
        etfs.ticker,
        coalesce(matched.rule_benchmark_code, '{{ market_benchmark_code() }}') as benchmark_code
    from etfs
    left outer join matched
        on etfs.ticker = matched.ticker
)

select * from final
