{#-
    Each penalty of each eligible fund on each date, itemised (sum per fund and date = the
    uncapped penalty of mart_etf_rankings).
-#}
with

penalties as (
    select * from {{ ref('int_penalties_itemised') }}
),

final as (
    select
        as_of_date,
        ticker,
        penalty_code,
        points,
        metric,
        metric_value,
        comparison,
        threshold,
        description
    from penalties
)

select * from final
