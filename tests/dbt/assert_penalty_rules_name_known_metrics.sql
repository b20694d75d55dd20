-- Every rule of seed penalty_rules tests a metric int_penalties_itemised computes
-- (macros/scoring/penalty_metrics.sql) and a known comparison: a typo would never fire.
select
    metric,
    comparison,
    risk_category
from {{ ref('penalty_rules') }}
where
    metric not in (
        {%- for metric in penalty_metrics() %}
        '{{ metric }}'{{ ',' if not loop.last }}
        {%- endfor %}
    )
    or comparison not in ('<', '>')
