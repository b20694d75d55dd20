{#-
    Every row of the user's macro file (var macro_path) that no model uses, with the reason and
    the fields as read (int_macro_file_checked). Empty without a macro file.
-#}
{% if var('macro_path', none) is not none %}
with

checked as (
    select * from {{ ref('int_macro_file_checked') }}
),

final as (
    select
        observation_date as date,
        series,
        quarantine_reason as reason,
        quarantine_detail as reason_detail,
        date_text,
        value_text,
        available_date_text,
        source_file,
        source_line::bigint as source_line
    from checked
    where quarantine_reason is not null
)

select * from final
{% else %}
select
    null::date as date,
    null::varchar as series,
    null::varchar as reason,
    null::varchar as reason_detail,
    null::varchar as date_text,
    null::varchar as value_text,
    null::varchar as available_date_text,
    null::varchar as source_file,
    null::bigint as source_line
where false
{% endif %}
