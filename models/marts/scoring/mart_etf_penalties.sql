{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='as_of_date',
    on_schema_change='fail'
) }}
{#-
    Each penalty of each eligible fund on each date, itemised (sum per fund and date = the
    uncapped penalty of mart_etf_rankings). A live refresh copies only the days
    int_penalties_itemised recomputed (on or after refresh_from).
-#}
with

penalties as (
    select * from {{ ref('int_penalties_itemised') }}
    {{- live_tail('as_of_date') }}
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
