{#- The split ratio (new units per old unit) whose price move, ln(1 / ratio), is nearest to a log
    price move. Candidates are the ratios funds use: 2, 3, 4, 5, 8, 10, 20, 25, 50 and 100 for
    splits (price falls) and their reciprocals for consolidations (price rises); "nearest" is in
    log terms, so the cut between two candidates is their geometric mean. Null for a null or
    zero move. Whether the move is near enough is the caller's test. -#}
{% macro nearest_split_ratio(log_move) -%}
    {%- set candidates = [2, 3, 4, 5, 8, 10, 20, 25, 50, 100] -%}
    {%- set nearest_k -%}
        case
        {%- for k in candidates[:-1] %}
            when abs({{ log_move }}) < 0.5 * ln({{ k * candidates[loop.index] }})
                then {{ k }}.0
        {%- endfor %}
            else {{ candidates[-1] }}.0
        end
    {%- endset -%}
    case
        when {{ log_move }} < 0 then {{ nearest_k }}
        when {{ log_move }} > 0 then 1.0 / {{ nearest_k }}
    end
{%- endmacro %}
