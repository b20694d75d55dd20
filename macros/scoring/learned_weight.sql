{#- A component's learned weight (int_scoring_weights): its share of the components' positive
    trailing ICs (`positive_ic_total`), shrunk toward equal weights (1/4) by `shrink`. -#}
{% macro learned_weight(ic, shrink) -%}
    (1 - {{ shrink }}) * greatest({{ ic }}, 0) / positive_ic_total + {{ shrink }} * 0.25
{%- endmacro %}
