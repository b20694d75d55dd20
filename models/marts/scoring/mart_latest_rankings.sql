{#-
    mart_etf_rankings on its latest as_of_date: today's list (int_latest_rankings).
-#}
select * from {{ ref('int_latest_rankings') }}
