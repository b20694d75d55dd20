{#-
    Rolling OLS beta of each fund on its home benchmark over the last `window_12m` (252) paired
    returns, with the correlation: beta = cov(r, b) / var(b). The sums are exact fixed-point
    integers (returns to 1e-9), so a value never depends on the rows after it. Null until the
    window is full. The rule of int_betas_rolling (a view of all of it) and of a live
    refresh's int_scoring_universe, which needs only the rows dated on or after `since` (a SQL
    date): it reads each fund's rows from 600 days before `since`, or all of them where fewer
    than a window's pairs lie between, so those rows are exact.
-#}
{% macro rolling_betas(since=none) -%}
{%- set scale = '1e9' %}
{%- set n = var('window_12m') %}
{%- set recent = '(' ~ since ~ " - interval 600 day)::date" if since %}
with

pairs as (
    select
        ticker,
        price_date,
        benchmark_code,
        {{ fixed_point('daily_return', scale) }} as y_fp,
        {{ fixed_point('benchmark_return', scale) }} as x_fp
    from {{ ref('int_beta_inputs') }}
    where
        benchmark_return is not null
        {%- if since %}
        and (
            price_date >= {{ recent }}
            or ticker in (
                -- funds with fewer earlier pairs than a window since `recent`: all their rows
                select ticker
                from {{ ref('int_beta_inputs') }}
                where benchmark_return is not null
                group by ticker
                having
                    count(*) filter (
                        where price_date >= {{ recent }} and price_date < {{ since }}
                    ) < {{ (n | int) - 1 }}
            )
        )
        {%- endif %}
),

sums as (
    select
        ticker,
        price_date,
        benchmark_code,
        count(*) over last_n as n_pairs,
        sum(x_fp) over last_n as sum_x,
        sum(y_fp) over last_n as sum_y,
        sum(x_fp::hugeint * x_fp) over last_n as sum_xx,
        sum(y_fp::hugeint * y_fp) over last_n as sum_yy,
        sum(x_fp::hugeint * y_fp) over last_n as sum_xy
    from pairs
    window last_n as {{ trailing_rows(n) }}
),

moments as (
    select
        ticker,
        price_date,
        benchmark_code,
        n_pairs,
        (n_pairs * sum_xy - sum_x * sum_y)::double as cov_num,
        (n_pairs * sum_xx - sum_x * sum_x)::double as var_x_num,
        (n_pairs * sum_yy - sum_y * sum_y)::double as var_y_num
    from sums
),

final as (
    select
        ticker,
        price_date,
        benchmark_code,
        case when n_pairs = {{ n }} then cov_num / nullif(var_x_num, 0) end as beta_rolling,
        case
            when n_pairs = {{ n }} then cov_num / nullif(sqrt(var_x_num * var_y_num), 0)
        end as corr_rolling
    from moments
)

select * from final
{%- endmacro %}
