{#- Text naming each field whose text did not parse as a number, e.g. "close=abc, volume=1e".
    Each field `f` is expected as a typed column `f` and its raw text `f_text`. -#}
{% macro unparsed_fields_note(fields) -%}
    concat_ws(
        ', '
        {%- for field in fields %},
        case
            when {{ field }}_text is not null and {{ field }} is null
                then '{{ field }}=' || {{ field }}_text
        end
        {%- endfor %}
    )
{%- endmacro %}
