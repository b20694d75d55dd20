{#- True when any of the fields has text that did not parse (see unparsed_fields_note). -#}
{% macro has_unparsed_field(fields) -%}
    (
        false
        {%- for field in fields %}
        or ({{ field }}_text is not null and {{ field }} is null)
        {%- endfor %}
    )
{%- endmacro %}
