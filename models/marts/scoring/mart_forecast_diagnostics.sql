{#-
    Out-of-sample quality of each ML member at each retrain: on the retrain date's own rows
    (its first forecasts, scored once their labels are known), the rank information coefficient
    and the mean error (forecast minus realised relative return) before and after the bias
    correction, with the correction and ensemble weight the retrain used; and what a user of
    the forecast as an expected return needs: its error against the fund's realised (not
    relative) return, and its calibration, realised relative return = a + b x raw forecast
    across funds (b near 1: the forecasts' spread is the returns' spread; near 0: noise).
-#}

with

forecasts as (
    select * from {{ ref('ml_forecasts') }}
    where price_date = model_date
),

labels as (
    select
        ticker,
        price_date,
        label_relative_return,
        forward_return
    from {{ ref('int_ml_panel') }}
),

members as (
    {%- for member in ['ridge', 'gbm'] %}
    select
        '{{ member }}' as member,
        forecasts.model_date,
        forecasts.ticker,
        forecasts.n_train_rows,
        forecasts.forecast_{{ member }}_raw as forecast_raw,
        forecasts.forecast_{{ member }} as forecast_corrected,
        forecasts.bias_{{ member }} as bias_applied,
        forecasts.weight_{{ member }} as ensemble_weight,
        labels.label_relative_return,
        labels.forward_return
    from forecasts
    inner join labels
        on forecasts.ticker = labels.ticker and forecasts.price_date = labels.price_date
    where labels.label_relative_return is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

ranked as (
    select
        *,
        rank() over (partition by member, model_date order by forecast_raw) as forecast_rank,
        rank() over (partition by member, model_date order by label_relative_return) as label_rank
    from members
),

final as (
    select
        member,
        model_date,
        any_value(n_train_rows) as n_train_rows,
        count(*) as n_scored,
        corr(forecast_rank, label_rank) as rank_ic,
        avg(forecast_raw - label_relative_return) as mean_error_raw,
        avg(forecast_corrected - label_relative_return) as mean_error_corrected,
        any_value(bias_applied) as bias_applied,
        any_value(ensemble_weight) as ensemble_weight,
        avg(forecast_corrected - forward_return) as mean_error_vs_realised,
        regr_slope(label_relative_return, forecast_raw) as calibration_slope,
        regr_intercept(label_relative_return, forecast_raw) as calibration_intercept
    from ranked
    group by member, model_date
)

select * from final
