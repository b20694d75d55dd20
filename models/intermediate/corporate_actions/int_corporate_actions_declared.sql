{#-
    Corporate actions somebody declared: the `declared_corporate_actions` seed (kept in the
    repo), the user's `corporate_actions_path` file, and the embedded sample's issuer notices.
    A malformed declaration stops the build with an error naming the file and line: a wrong
    split ratio silently applied would corrupt every return after it.
-#}
{%- set parts = [] %}
{%- if var('prices_path', none) is none %}
    {%- do parts.append("select ticker, action_date, action_type, ratio, amount, source_file,
        null::bigint as source_line from " ~ ref('stg_sample__corporate_actions')) %}
{%- endif %}
{%- if var('corporate_actions_path', none) is not none %}
    {%- do parts.append("select ticker, action_date, action_type, ratio, amount, source_file,
        source_line from " ~ ref('stg_corporate_actions_file__actions')) %}
{%- endif %}
{%- do parts.append("select upper(trim(ticker)) as ticker, try_cast(action_date as date) as
    action_date, lower(trim(action_type)) as action_type, try_cast(ratio as double) as ratio,
    try_cast(amount as double) as amount, 'seeds/declared_corporate_actions.csv' as source_file,
    null::bigint as source_line from " ~ ref('declared_corporate_actions')) %}

with

declared as (
    {{ parts | join('\n    union all\n    ') }}
),

checked as (
    select
        *,
        case
            when ticker is null or action_date is null
                or action_type not in ('split', 'consolidation', 'distribution')
                or (action_type = 'split' and not ratio > 1)
                or (action_type = 'consolidation' and not (ratio > 0 and ratio < 1))
                or (action_type = 'distribution' and not amount > 0)
                then error(
                        'corporate actions ' || source_file
                        || coalesce(' line ' || source_line, '')
                        || ': invalid declaration (ticker ' || coalesce(ticker, 'missing')
                        || ', date ' || coalesce(action_date::varchar, 'missing or not YYYY-MM-DD')
                        || ', type ' || coalesce(action_type, 'missing')
                        || ', ratio ' || coalesce(ratio::varchar, 'missing')
                        || ', amount ' || coalesce(amount::varchar, 'missing')
                        || '). Types: split (ratio > 1 new units per old), consolidation'
                        || ' (0 < ratio < 1), distribution (amount > 0 cash per unit)'
                    )
        end as validation_error
    from declared
),

final as (
    select
        ticker,
        action_date,
        action_type,
        ratio,
        amount,
        source_file,
        source_line,
        validation_error
    from checked
)

select * from final
