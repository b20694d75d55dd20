{#-
    The sample market's benchmark returns and index levels (python model sample_benchmarks), typed and renamed.
-#}
with

benchmarks as (
    select * from {{ ref('sample_benchmarks') }}
),

final as (
    select
        date::date as date,
        benchmark as benchmark_code,
        daily_return,
        index_level
    from benchmarks
)

select * from final
