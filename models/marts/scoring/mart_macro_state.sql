{#-
    The macro and geopolitical state behind the market-context multipliers, per trading day and
    region (GLOBAL and each region with series of its own), published under its contract
    (int_macro_state_daily says how each value and pressure is made).
-#}
select * from {{ ref('int_macro_state_daily') }}
