{#- Sample standard deviation of a fixed-point column over a window, from exact integer sums:
    sqrt((n * sum(q^2) - sum(q)^2) / (n * (n - 1))) / scale, the numerator in 128-bit integers
    (exact, so no cancellation error and no dependence on summation order). Null for fewer than two
    values: a NaN would also break DuckDB 2.0's windowed median downstream (std::exception). -#}
{% macro exact_window_stddev(fixed_point_column, scale, window) -%}
    sqrt(
        (
            count({{ fixed_point_column }}) over {{ window }}
            * sum({{ fixed_point_column }}::hugeint * {{ fixed_point_column }}) over {{ window }}
            - sum({{ fixed_point_column }}) over {{ window }}
            * sum({{ fixed_point_column }}) over {{ window }}
        )::double
        / nullif(
            count({{ fixed_point_column }}) over {{ window }}
            * (count({{ fixed_point_column }}) over {{ window }} - 1),
            0
        )
    ) / {{ scale }}
{%- endmacro %}
