{#-
    The composite score, one definition for mart_etf_rankings and the backtest's variants
    (int_backtest_signals). Over the eligible funds of one day (`partition_by`):

      raw_score       = 100 x percent_rank(weighted_score)                  (0-100)
      adjusted_score  = (raw_score - penalty_points) x macro_multiplier x geo_multiplier
      score_rank      = 1 for the highest adjusted_score (ties: higher raw_score, then the
                        alphabetically first ticker), so ranks are unique
      composite_score = 100 x (funds - score_rank) / (funds - 1)             (0-100)

    Penalties and multipliers act before the final ranking, so the composite is spread over
    0-100 every day with exactly one fund at 100 and one at 0 (no pile-up from clamping), and
    it is a function of the rank alone: one ordering decides both (a lone fund scores 100).
-#}

{% macro raw_score(weighted_score, partition_by='as_of_date') -%}
    100.0 * percent_rank() over (partition by {{ partition_by }} order by {{ weighted_score }})
{%- endmacro %}

{% macro adjusted_score(raw_score, penalty_points, macro_multiplier='1.0', geo_multiplier='1.0') -%}
    ({{ raw_score }} - {{ penalty_points }}) * {{ macro_multiplier }} * {{ geo_multiplier }}
{%- endmacro %}

{% macro score_rank(adjusted_score, raw_score, partition_by='as_of_date') -%}
    row_number() over (
        partition by {{ partition_by }}
        order by {{ adjusted_score }} desc nulls last, {{ raw_score }} desc nulls last, ticker asc
    )
{%- endmacro %}

{#- `score_rank` must be a column computed in an earlier step (windows do not nest). The
    number of funds is a window count over `partition_by`, or `count`: the day's count
    computed once per day and joined back (cheaper over millions of rows). -#}
{% macro composite_score(score_rank, partition_by='as_of_date', count=none) -%}
    {%- set funds = count or 'count(*) over (partition by ' ~ partition_by ~ ')' %}
    coalesce(
        100.0 * ({{ funds }} - {{ score_rank }}) / nullif({{ funds }} - 1, 0),
        100.0
    )
{%- endmacro %}
