{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='as_of_date'
) }}
{#-
    The four component scores (0-100) of every eligible fund on every date, each a percentile
    within that day's eligible universe, so each uses the whole range every day:

      risk      = percentile of 0.50 p(-GARCH 21-day vol) + 0.25 p(-|Kalman beta|)
                  + 0.25 p(12-month max drawdown)                 (lower risk scores higher)
      momentum  = percentile of 0.50 p(12-1 month) + 0.30 p(6 month) + 0.20 p(3 month return)
      forecast  = percentile of the ML ensemble's bias-corrected next-month relative return
      volume    = percentile of 0.50 p(3-month traded value) + 0.30 p(-Amihud illiquidity)
                  + 0.20 p(-share of zero-volume days)

    where p() is the 0-1 percentile rank that day. The blends are re-ranked so a component is
    not squeezed toward 50 by averaging.
-#}

with

eligible as (
    select * from {{ ref('int_scoring_universe') }}
    where is_eligible
),

ranked as (
    select
        as_of_date,
        ticker,
        percent_rank() over (partition by as_of_date order by -garch_vol_21d_ann) as p_low_vol,
        percent_rank() over (partition by as_of_date order by -abs(beta)) as p_low_beta,
        percent_rank() over (partition by as_of_date order by max_drawdown_12m) as p_shallow_dd,
        percent_rank() over (partition by as_of_date order by momentum_12_1) as p_mom_12_1,
        percent_rank() over (partition by as_of_date order by momentum_6m) as p_mom_6m,
        percent_rank() over (partition by as_of_date order by momentum_3m) as p_mom_3m,
        percent_rank() over (partition by as_of_date order by traded_value_3m) as p_traded,
        percent_rank() over (
            partition by as_of_date order by -amihud_illiquidity_3m
        ) as p_liquid,
        percent_rank() over (
            partition by as_of_date order by -zero_volume_share_3m
        ) as p_traded_daily,
        forecast_return
    from eligible
),

blends as (
    select
        as_of_date,
        ticker,
        0.50 * p_low_vol + 0.25 * p_low_beta + 0.25 * p_shallow_dd as risk_blend,
        0.50 * p_mom_12_1 + 0.30 * p_mom_6m + 0.20 * p_mom_3m as momentum_blend,
        forecast_return,
        0.50 * p_traded + 0.30 * p_liquid + 0.20 * p_traded_daily as volume_blend
    from ranked
),

final as (
    select
        as_of_date,
        ticker,
        {{ percentile_score('risk_blend') }} as score_risk,
        {{ percentile_score('momentum_blend') }} as score_momentum,
        {{ percentile_score('forecast_return') }} as score_forecast,
        {{ percentile_score('volume_blend') }} as score_volume
    from blends
)

select * from final
{{ live_tail('as_of_date') }}
