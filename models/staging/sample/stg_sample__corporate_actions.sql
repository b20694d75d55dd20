{#-
    The sample market's declared corporate actions (python model sample_corporate_actions), in the
    shape of a corporate-actions file.
-#}
with

sample_actions as (
    select * from {{ ref('sample_corporate_actions') }}
),

final as (
    select
        ticker,
        date::date as action_date,
        action_type,
        ratio::double as ratio,
        amount::double as amount,
        'sample' as source_file
    from sample_actions
)

select * from final
