{#-
    Splits, consolidations and distributions: declared ones and detected ones, with whether the
    return calculation applied them.
-#}
with

actions as (
    select * from {{ ref('int_corporate_actions_applied') }}
),

final as (
    select
        action_date as date,
        ticker,
        action_type,
        ratio,
        amount,
        source,
        applied_date,
        is_applied,
        not_applied_reason,
        detail
    from actions
)

select * from final
