{#- A component's learned weight (int_scoring_weights): its share of the components' positive
    trailing ICs (`positive_ic_total`), shrunk toward equal weights (1 / `n_components`) by
    `shrink`. -#}
{% macro learned_weight(ic, shrink, n_components) -%}
    (1 - {{ shrink }}) * greatest({{ ic }}, 0) / positive_ic_total
    + {{ shrink }} * {{ 1 / n_components }}
{%- endmacro %}
