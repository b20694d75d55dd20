{#- A date from the layouts price files use: 2020-01-31, 20200131, 2020/01/31, or an ISO
    timestamp whose date part is taken (2020-01-31 00:00:00-05:00). Anything else gives null. -#}
{% macro parse_price_date(text_column) -%}
    case
        when regexp_matches({{ text_column }}, '^\d{4}-\d{2}-\d{2}([ T].*)?$')
            then try_strptime(left({{ text_column }}, 10), '%Y-%m-%d')::date
        when regexp_matches({{ text_column }}, '^\d{8}$')
            then try_strptime({{ text_column }}, '%Y%m%d')::date
        when regexp_matches({{ text_column }}, '^\d{4}/\d{2}/\d{2}$')
            then try_strptime({{ text_column }}, '%Y/%m/%d')::date
    end
{%- endmacro %}
