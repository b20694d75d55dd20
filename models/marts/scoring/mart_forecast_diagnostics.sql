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
        -- the training rows of this member (the gradient-boosting one may fit a subset)
        forecasts.n_train_rows{{ '_gbm' if member == 'gbm' }} as member_train_rows,
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
    -- ranks and returns as integers (returns in fixed point, 1e-12): every sum below is exact
    -- and independent of the order DuckDB adds rows in (macros/helpers/fixed_point.sql); the
    -- floating-point corr/regr_slope/avg gave last-bit differences between two builds of the
    -- same data
    select
        member,
        model_date,
        member_train_rows,
        bias_applied,
        ensemble_weight,
        rank() over (partition by member, model_date order by forecast_raw) as forecast_rank,
        rank() over (partition by member, model_date order by label_relative_return) as label_rank,
        {{ fixed_point('forecast_raw', '1e12') }} as x_fp,
        {{ fixed_point('label_relative_return', '1e12') }} as y_fp,
        {{ fixed_point('forecast_corrected', '1e12') }} as corrected_fp,
        {{ fixed_point('forward_return', '1e12') }} as realised_fp
    from members
),

sums as (
    select
        member,
        model_date,
        any_value(member_train_rows) as n_train_rows,
        any_value(bias_applied) as bias_applied,
        any_value(ensemble_weight) as ensemble_weight,
        count(*) as n_scored,
        sum(forecast_rank) as sum_rx,
        sum(label_rank) as sum_ry,
        sum(forecast_rank * label_rank) as sum_rxy,
        sum(forecast_rank * forecast_rank) as sum_rxx,
        sum(label_rank * label_rank) as sum_ryy,
        sum(x_fp::hugeint) as sum_x,
        sum(y_fp::hugeint) as sum_y,
        sum(x_fp::hugeint * y_fp) as sum_xy,
        sum(x_fp::hugeint * x_fp) as sum_xx,
        sum(corrected_fp::hugeint) as sum_corrected,
        sum(realised_fp::hugeint) as sum_realised
    from ranked
    group by member, model_date
),

final as (
    -- Pearson correlation of the ranks and the OLS slope and intercept of the label on the raw
    -- forecast, from the sums: (n Sxy - Sx Sy) / sqrt((n Sxx - Sx^2)(n Syy - Sy^2)),
    -- b = (n Sxy - Sx Sy) / (n Sxx - Sx^2), a = (Sy - b Sx) / n
    select
        member,
        model_date,
        n_train_rows,
        n_scored,
        (n_scored * sum_rxy - sum_rx * sum_ry)::double / nullif(
            sqrt(
                (n_scored * sum_rxx - sum_rx * sum_rx)::double
                * (n_scored * sum_ryy - sum_ry * sum_ry)::double
            ),
            0
        ) as rank_ic,
        (sum_x - sum_y)::double / 1e12 / n_scored as mean_error_raw,
        (sum_corrected - sum_y)::double / 1e12 / n_scored as mean_error_corrected,
        bias_applied,
        ensemble_weight,
        (sum_corrected - sum_realised)::double / 1e12 / n_scored as mean_error_vs_realised,
        (n_scored * sum_xy - sum_x * sum_y)::double
        / nullif((n_scored * sum_xx - sum_x * sum_x)::double, 0) as calibration_slope,
        (
            sum_y::double
            - (n_scored * sum_xy - sum_x * sum_y)::double
            / nullif((n_scored * sum_xx - sum_x * sum_x)::double, 0)
            * sum_x::double
        ) / 1e12 / n_scored as calibration_intercept
    from sums
)

select * from final
