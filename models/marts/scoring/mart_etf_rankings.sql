{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='as_of_date',
    on_schema_change='fail',
    post_hook="{{ insert_build_batches() }}"
) }}
{#-
    The daily ranked score, published under its contract (mart_etf_rankings.yml): the scores
    and ranks of int_etf_rankings, where they are computed (see its header), with what lies
    behind them (macros/scoring/etf_rankings_detailed.sql), for the models and people
    downstream of the marts. The one table that writes this wide row for every day.
-#}
{#- every join is on the day (macros/helpers/build_batches.sql): a big universe is written a
    range of days at a time -#}
select * from {{ etf_rankings_detailed(
    batch=build_batch_filter('as_of_date', ref('int_etf_rankings'))
) }} as detailed
{{ live_tail('as_of_date') }}
