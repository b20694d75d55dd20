{{ config(enabled=var("macro_path", none) is not none) }}
{#-
    Every row of the user's macro file (var macro_path), typed, with the first day it may be
    used and, when it cannot be used, why (`quarantine_reason`, in check order):

      series_missing               no series name
      date_unparseable             the date is not a date (YYYY-MM-DD)
      value_missing                no value, or FRED's missing-value marker `.`
      value_not_a_number           the value is not a number (or is NaN / infinite)
      available_date_unparseable   an available_date is given and is not a date
      available_before_observation the value is said to be usable before the day it describes
      value_not_positive           a level that cannot be 0 or negative (roles fx,
                                   volatility_index, geopolitical_risk in seed macro_series)
      duplicate_observation        the series has another row for that date that was available
                                   earlier (or, at the same time, on an earlier line): the
                                   first release is kept, later vintages are not (a value
                                   revised later must not reach back to the day first seen)

    available_date = the file's, else the series' publication lag (seed macro_series) after
    the date (daily series) or after the end of the date's month (monthly series); a series the
    seed does not list (reported in mart_data_quality, used by nothing) is taken as daily with
    a lag of 1 day.
-#}

with

rows as (
    select * from {{ ref('stg_macro_file__observations') }}
),

roles as (
    select * from {{ ref('macro_series') }}
),

typed as (
    select
        rows.*,
        try_cast(rows.date_text as date) as observation_date,
        try_cast(rows.value_text as double) as parsed_value,
        try_cast(rows.available_date_text as date) as given_available_date,
        roles.role,
        roles.frequency,
        roles.publication_lag_days
    from rows
    left outer join roles
        on rows.series = roles.series
),

dated as (
    select
        *,
        coalesce(
            given_available_date,
            case
                when frequency = 'monthly'
                    then last_day(observation_date) + publication_lag_days
                else observation_date + coalesce(publication_lag_days, 1)
            end
        ) as available_date,
        case
            when series is null then 'series_missing'
            when observation_date is null then 'date_unparseable'
            when value_text is null or value_text = '.' then 'value_missing'
            when parsed_value is null or not isfinite(parsed_value) then 'value_not_a_number'
            when available_date_text is not null and given_available_date is null
                then 'available_date_unparseable'
            when given_available_date < observation_date then 'available_before_observation'
            when
                role in ('fx', 'volatility_index', 'geopolitical_risk') and parsed_value <= 0
                then 'value_not_positive'
        end as row_reason
    from typed
),

-- the reason, duplicates included: among the usable rows of a series and date, every copy
-- after the first available (then the first line)
reasoned as (
    select
        *,
        case
            when row_reason is not null then row_reason
            when row_number() over (
                    partition by series, observation_date, row_reason is null
                    order by available_date, source_line
                ) > 1
                then 'duplicate_observation'
        end as quarantine_reason
    from dated
),

final as (
    select
        source_file,
        source_line,
        series,
        observation_date,
        available_date,
        case when quarantine_reason is null then parsed_value end as observed_value,
        date_text,
        value_text,
        available_date_text,
        quarantine_reason,
        case quarantine_reason
            when 'series_missing' then 'the row names no series'
            when 'date_unparseable'
                then 'date ' || coalesce('''' || date_text || '''', 'missing')
                    || ' is not a date (YYYY-MM-DD)'
            when 'value_missing'
                then 'no value' || case when value_text = '.' then ' (''.'')' else '' end
            when 'value_not_a_number'
                then 'value ''' || value_text || ''' is not a finite number'
            when 'available_date_unparseable'
                then 'available_date ''' || available_date_text
                    || ''' is not a date (YYYY-MM-DD)'
            when 'available_before_observation'
                then 'available_date ' || given_available_date
                    || ' is before the date it describes, ' || observation_date
            when 'value_not_positive'
                then 'a ' || role || ' series cannot be ' || value_text
            when 'duplicate_observation'
                then 'another row of ' || series || ' for ' || observation_date
                    || ' was available earlier (or on an earlier line): the first release is kept'
        end as quarantine_detail
    from reasoned
)

select * from final
