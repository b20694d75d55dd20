{#-
    Rules 1 and 2 of int_prices_validated (its header has every rule): every raw row, once.
    Rows failing a row check, and the copies not kept of a duplicated day, carry their
    quarantine_reason and quarantine_detail; the rest (one per ticker and day) have them null
    and go on to the bar, split and jump checks (int_prices_split_evidence).
-#}
{%- set numeric_fields = ['close', 'open', 'high', 'low', 'volume', 'adj_close'] %}

with

parsed as not materialized (
    -- inlined: no copy of the parsed table's wide rows (README "Layout")
    select * from {{ ref('int_prices_parsed') }}
),

row_checks as (
    select
        *,
        case
            when is_blank_line then 'blank_line'
            when ticker is null then 'missing_ticker'
            when is_truncated and (date_text is null or close_text is null) then 'truncated_row'
            when date_text is null then 'missing_date'
            when price_date is null then 'unparseable_date'
            when close_text is null then 'missing_close'
            when {{ has_unparsed_field(numeric_fields) }}
                then 'non_numeric_value'
            when close <= 0 or adj_close <= 0 then 'non_positive_price'
            when has_extra_fields then 'unexpected_field_count'
        end as row_issue
    from parsed
),

row_issues as (
    select
        *,
        row_issue as quarantine_reason,
        case row_issue
            when 'blank_line' then 'the line is empty'
            when 'missing_ticker' then 'no ticker in the row'
            when 'truncated_row' then 'fewer fields than the header: ' || coalesce(raw_line, '')
            when 'missing_date' then 'the date field is empty'
            when 'unparseable_date' then 'not a date: ' || date_text
            when 'missing_close' then 'the close field is empty'
            when 'non_numeric_value'
                then 'not a finite number: ' || {{ unparsed_fields_note(numeric_fields) }}
            when 'non_positive_price'
                then 'price not above zero: close=' || close_text
                    || coalesce(', adj_close=' || adj_close_text, '')
            when 'unexpected_field_count' then 'more fields than the header: ' || raw_line
        end as quarantine_detail
    from row_checks
    where row_issue is not null
),

valid as not materialized (
    -- inlined: read twice below
    select * from row_checks
    where row_issue is null
),

-- Rule 2 ranks the copies of a day, on the days with more than one raw row alone (rare: see
-- int_prices_repeated_days); every other valid row is its day's only copy, kept.
repeated_days as (
    select
        ticker,
        price_date
    from {{ ref('int_prices_repeated_days') }}
),

copies as (
    select
        valid.*,
        row_number() over same_day as copy_rank,
        -- every copy of the day, whichever this row is (same_day's order would count only
        -- the copies up to this row: the kept copy would see 1 and never be flagged)
        count(*) over (partition by valid.ticker, valid.price_date) as n_copies,
        -- the kept copy's values, compared as text with a duplicate's only on duplicates
        -- (building the text for every row cost more than the sort at 3,000 funds)
        {%- for field in numeric_fields %}
        first_value(valid.{{ field }}) over same_day as kept_{{ field }},
        {%- endfor %}
        first_value(valid.source_file) over same_day as kept_source_file,
        first_value(valid.source_line) over same_day as kept_source_line
    from valid
    semi join repeated_days
        on valid.ticker = repeated_days.ticker and valid.price_date = repeated_days.price_date
    window same_day as (
        partition by valid.ticker, valid.price_date
        order by valid.source_file desc, valid.source_line desc
    )
),

single_copies as (
    -- the day's only valid row: kept, its own values
    select
        valid.*,
        1::bigint as copy_rank,
        1::bigint as n_copies,
        {%- for field in numeric_fields %}
        valid.{{ field }} as kept_{{ field }},
        {%- endfor %}
        valid.source_file as kept_source_file,
        valid.source_line as kept_source_line
    from valid
    anti join repeated_days
        on valid.ticker = repeated_days.ticker and valid.price_date = repeated_days.price_date
),

valid_rows as (
    select * from copies
    union all by name
    select * from single_copies
),

duplicate_copies as (
    select
        *,
        'duplicate_day' as quarantine_reason,
        case
            when
                concat_ws(',', open, high, low, close, volume, adj_close) = concat_ws(
                    ',', kept_open, kept_high, kept_low, kept_close, kept_volume, kept_adj_close
                )
                then 'identical copy of the row kept'
            else 'conflicting copy (close ' || close || ' vs kept ' || kept_close || ')'
        end
        || ' at ' || kept_source_file || ' line ' || kept_source_line as quarantine_detail
    from valid_rows
    where copy_rank > 1
),

unique_rows as (
    select * from valid_rows
    where copy_rank = 1
),

final as (
    select * from row_issues
    union all by name
    select * from duplicate_copies
    union all by name
    select * from unique_rows
)

select * from final
