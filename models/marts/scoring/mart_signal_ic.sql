{{ config(materialized='table', on_schema_change='fail') }}
{#-
    The signals' rank ICs and quintile returns, published under their contract
    (mart_signal_ic.yml): the rows of int_signal_ic, where they are computed (see its header).
-#}
select * from {{ ref('int_signal_ic') }}
