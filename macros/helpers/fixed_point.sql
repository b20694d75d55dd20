{#- A double as a fixed-point integer: round(x * scale) as BIGINT.

    Why: DuckDB adds up floating-point window aggregates in an order that depends on how the
    data is laid out, so the same rows can give sums differing in the last bits when other rows
    are added (e.g. data after a date). Integer sums are exact in any order, so window sums of
    fixed-point values, converted back to double once, make every value depend only on the rows
    it is computed from, bit for bit: the point-in-time rule holds exactly.

    `scale` must keep |x| * scale below 9e15 (53-bit exact doubles). -#}
{% macro fixed_point(expression, scale) -%}
    round(({{ expression }}) * {{ scale }})::bigint
{%- endmacro %}
