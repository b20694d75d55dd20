{#-
    The user's corporate-actions file (var corporate_actions_path, checked by input_files), one
    row per declared split, consolidation or distribution, fields as text.
-#}
with

checked_file as (
    select file_path from {{ ref('input_files') }}
    where file_role = 'corporate_actions'
),

template as (
    select
        null::varchar as ticker,
        null::varchar as date,
        null::varchar as action_type,
        null::varchar as ratio,
        null::varchar as amount
    where false
),

raw_actions as (
    select
        *,
        row_number() over () + 1 as source_line
    from (
        select * from template
        union all by name
        select * from {{ source('corporate_actions_file', 'raw_actions') }}
    )
),

final as (
    select
        nullif(upper(trim(raw_actions.ticker)), '') as ticker,
        try_cast(trim(raw_actions.date) as date) as action_date,
        nullif(lower(trim(raw_actions.action_type)), '') as action_type,
        try_cast(nullif(trim(raw_actions.ratio), '') as double) as ratio,
        try_cast(nullif(trim(raw_actions.amount), '') as double) as amount,
        (select any_value(checked_file.file_path) from checked_file) as source_file,
        raw_actions.source_line,
        raw_actions.date as date_text,
        raw_actions.ratio as ratio_text
    from raw_actions
)

select * from final
