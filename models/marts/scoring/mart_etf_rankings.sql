{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='as_of_date',
    on_schema_change='fail'
) }}
{#-
    The daily ranked score, published under its contract (mart_etf_rankings.yml): the rows of
    int_etf_rankings, where it is computed (see its header), for the models and people
    downstream of the marts.
-#}
select * from {{ ref('int_etf_rankings') }}
{{ live_tail('as_of_date') }}
