{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='as_of_date'
) }}
{#-
    Every penalty that fires for an eligible fund on a date, with its points (seed
    penalty_rules: graduated by risk category, `*` for all categories). A rule fires when the
    fund's metric compares with the threshold as the rule says. Ineligible rows are not scored
    and carry no penalties. The total is capped at `penalty_points_cap` (30) in
    mart_etf_rankings, not here.
-#}
{%- set metrics = penalty_metrics() %}

with

eligible as (
    select * from {{ ref('int_scoring_universe') }}
    where is_eligible
),

rules as (
    select * from {{ ref('penalty_rules') }}
),

metric_values as (
    {%- for metric in metrics %}
    select
        as_of_date,
        ticker,
        risk_category,
        '{{ metric }}' as metric,
        {{ metric }}::double as metric_value
    from eligible
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

fired as (
    select
        metric_values.as_of_date,
        metric_values.ticker,
        rules.penalty_code,
        rules.points,
        metric_values.metric,
        metric_values.metric_value,
        rules.comparison,
        rules.threshold,
        rules.description
    from metric_values
    inner join rules
        on
            metric_values.metric = rules.metric
            and (rules.risk_category = '*' or metric_values.risk_category = rules.risk_category)
    where
        (rules.comparison = '<' and metric_values.metric_value < rules.threshold)
        or (rules.comparison = '>' and metric_values.metric_value > rules.threshold)
)

select * from fired
{{ live_tail('as_of_date') }}
