{{ config(materialized='table', on_schema_change='fail') }}
{#-
    Does a signal predict, and how reliably? One row per signal x horizon x segment (overall,
    each regime on the signal date, each asset class), summarising the monthly rank ICs of
    mart_signal_ic (formulas: etf_warehouse/signals/diagnostics.py). Read mean_ic with its
    Newey-West ic_t_stat: |t| above 2 is evidence; decay across horizons is the same signal's
    rows at 1, 5, 21 and 63 sessions.
-#}

with

summary as (
    select * from {{ ref('signal_diagnostics') }}
),

final as (
    select
        signal,
        horizon_sessions::integer as horizon_sessions,
        segment_type,
        segment,
        n_dates,
        first_signal_date,
        last_signal_date,
        mean_ic,
        ic_std,
        ic_ir,
        ic_t_stat,
        newey_west_lags,
        hit_rate,
        quintile_1_return_ann,
        quintile_2_return_ann,
        quintile_3_return_ann,
        quintile_4_return_ann,
        quintile_5_return_ann,
        top_minus_bottom_ann,
        top_quintile_turnover
    from summary
)

select * from final
