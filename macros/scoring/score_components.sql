{#-
    The registry of the score's components: the one list every scoring model, the signal
    diagnostics and the backtest loop over (in this order, which is also the order of the
    weighted sums: keep it, a reordered sum of doubles can differ in the last bit).

    Each component becomes the column score_<name> (0-100, a percentile among the day's
    eligible funds, int_component_scores) and takes the weight weight_<name> (seed
    regime_weights, or learned from its trailing IC in int_scoring_weights). Its value before
    the final percentile is either

      blend  a list of [weight, input]: the weighted sum of each input's 0-1 percentile rank
             that day (re-ranked, so a component is not squeezed toward 50 by averaging), or
      input  one expression, ranked as it is.

    Inputs are SQL over int_scoring_universe's columns, higher = better. int_component_scores
    (a Python model, etf_warehouse.scoring.components) reads this list as rows from the view
    int_score_components and scores it.

    To add a component (three files): an entry here (its inputs must be columns of
    int_scoring_universe), a weight_<name> column in seeds/regime_weights.csv (rows still
    summing to 1), and the new score_<name> and weight_<name> columns in the contracts of
    models/marts/scoring/mart_etf_rankings.yml (mart_etf_rankings and mart_regimes).
-#}
{% macro score_components() -%}
    {{- return([
        {'name': 'risk', 'blend': [
            ['0.50', '-garch_vol_21d_ann'],
            ['0.25', '-abs(beta)'],
            ['0.25', 'max_drawdown_12m'],
        ]},
        {'name': 'momentum', 'blend': [
            ['0.50', 'momentum_12_1'],
            ['0.30', 'momentum_6m'],
            ['0.20', 'momentum_3m'],
        ]},
        {'name': 'forecast', 'input': 'forecast_return'},
        {'name': 'volume', 'blend': [
            ['0.50', 'traded_value_3m'],
            ['0.30', '-amihud_illiquidity_3m'],
            ['0.20', '-zero_volume_share_3m'],
        ]},
    ]) -}}
{%- endmacro %}

{#- The components' names, in registry order. -#}
{% macro score_component_names() -%}
    {{- return(score_components() | map(attribute='name') | list) -}}
{%- endmacro %}

{#- One column name per component: `pattern` with {c} replaced by the name
    ('score_{c}' -> ['score_risk', ...]). -#}
{% macro component_columns(pattern) -%}
    {%- set columns = [] -%}
    {%- for name in score_component_names() -%}
        {%- do columns.append(pattern | replace('{c}', name)) -%}
    {%- endfor -%}
    {{- return(columns) -}}
{%- endmacro %}

{#- `pattern` (with {c} for the component's name) summed over the components, in registry
    order: component_sum('weight_{c}') -> weight_risk + weight_momentum + ... -#}
{% macro component_sum(pattern) -%}
    {{- component_columns(pattern) | join(' + ') -}}
{%- endmacro %}
