{#- The split ratio (new units per old unit) whose price move, ln(1 / ratio), is nearest to a log
    price move, among `candidates` (default: every whole number from 2 to 20, then 25, 30, 40,
    50 and 100), for splits (price falls), and their reciprocals for consolidations (price
    rises); "nearest" is in log terms, so the cut between two candidates is their geometric mean.
    Null for a null or zero move. Whether the move is near enough, and whether the rest of the
    evidence says split, is the caller's test (int_prices_validated). -#}
{% macro nearest_split_ratio(log_move, candidates=none) -%}
    {%- set candidates = candidates or split_ratio_tiers()[-1] -%}
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

{#- Split ratios in the order they are tried: the ratios funds use most (2, 3, 4, 5, 10, 20, 25,
    50, 100), then the less common (6, 8, 12, 15, 30, 40), then every whole number from 2 to 20.
    A move that fits a common ratio within the tolerance is read as that ratio, so a 1:15
    consolidation on a day the fund also rose 5 % (x15.75) is not read as 1:16. -#}
{% macro split_ratio_tiers() -%}
    {{ return([
        [2, 3, 4, 5, 10, 20, 25, 50, 100],
        [6, 8, 12, 15, 30, 40],
        range(2, 21) | list + [25, 30, 40, 50, 100],
    ]) }}
{%- endmacro %}
