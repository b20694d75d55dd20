{#-
    The composite score, one definition for mart_etf_rankings and the backtest's variants
    (int_backtest_signals). Over the eligible funds of one day (`partition_by`):

      raw_score       = 100 x percent_rank(weighted_score)                  (0-100)
      adjusted_score  = (raw_score - penalty_points) x macro_multiplier x geo_multiplier
      composite_score = 100 x (position of adjusted_score from the bottom - 1) / (funds - 1)
      score_rank      = 1 for the highest adjusted_score

    Penalties and multipliers act before the final ranking, so the composite is spread over
    0-100 every day with exactly one fund at 100 and one at 0 (no pile-up from clamping), and
    its order is the rank order. Ties in adjusted_score are broken by raw_score, then ticker
    (alphabetically first ranks higher): ranks are unique.
-#}

{% macro raw_score(weighted_score, partition_by='as_of_date') -%}
    100.0 * percent_rank() over (partition by {{ partition_by }} order by {{ weighted_score }})
{%- endmacro %}

{% macro adjusted_score(raw_score, penalty_points, macro_multiplier='1.0', geo_multiplier='1.0') -%}
    ({{ raw_score }} - {{ penalty_points }}) * {{ macro_multiplier }} * {{ geo_multiplier }}
{%- endmacro %}

{% macro composite_score(adjusted_score, raw_score, partition_by='as_of_date') -%}
    coalesce(
        100.0 * (
            row_number() over (
                partition by {{ partition_by }}
                order by {{ adjusted_score }} asc, {{ raw_score }} asc, ticker desc
            ) - 1
        ) / nullif(count(*) over (partition by {{ partition_by }}) - 1, 0),
        100.0
    )
{%- endmacro %}

{% macro score_rank(adjusted_score, raw_score, partition_by='as_of_date') -%}
    row_number() over (
        partition by {{ partition_by }}
        order by {{ adjusted_score }} desc, {{ raw_score }} desc, ticker asc
    )
{%- endmacro %}
