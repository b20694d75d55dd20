{#- Text of one field of a split CSV line, by the 1-based position column from input_files.
    Trims spaces and surrounding quotes; an absent column or empty field gives null. -#}
{% macro line_field(position_column, fields='line_fields') -%}
    nullif(trim({{ fields }}[{{ position_column }}], ' "'), '')
{%- endmacro %}
