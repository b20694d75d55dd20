{#- A finite double from text, or null (empty, non-numeric, nan and inf all give null). -#}
{% macro parse_number(text_column) -%}
    case
        when isfinite(try_cast({{ text_column }} as double))
            then try_cast({{ text_column }} as double)
    end
{%- endmacro %}
