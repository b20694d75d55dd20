{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='price_date'
) }}
{#-
    Clean prices with total returns adjusted for splits, consolidations and distributions.

    daily_return (decimal) from the previous clean row of the ticker:
      - where the vendor supplies an adjusted close on both rows: its ratio, minus one;
      - otherwise: (close + distribution) x split ratio / previous close - 1, with the applied
        corporate actions of the row (see int_corporate_actions_applied).
    Detected splits apply on both bases. A return after missing sessions covers the whole gap.

    adj_close is a total-return index, equal to the close on the ticker's first clean row and
    compounding daily_return after it: forward-adjusted, so a later split or distribution never
    rewrites an earlier value (point-in-time), unlike vendors' backward-adjusted closes. The log
    returns are summed in fixed point (1e-15, see the fixed_point macro) so the index is the same
    to the last bit whatever data follows; it tracks the compounded daily_return within 1e-12.

    A live refresh computes only the rows dated on or after refresh_from, each fund's after its
    last earlier row as this table holds it: the previous close, the row count, the first close
    and the running sum of log returns (log_return_cum_fp) go on from there, bit for bit.
-#}
{%- set refresh = is_incremental_refresh() and is_incremental() %}

with

cleaned as (
    select
        *,
        close as first_close,
        null::hugeint as carried_log_return_cum_fp,
        0 as rows_before
    from {{ ref('int_prices_cleaned') }}
    {{- live_tail('price_date') }}
    {%- if refresh %}
    union all by name
    -- each fund's last earlier row: where its running values stood
    select
        ticker,
        last_row.price_date,
        last_row.close,
        last_row.vendor_adj_close,
        first_close,
        last_row.log_return_cum_fp as carried_log_return_cum_fp,
        last_row.obs_index - 1 as rows_before,
        true as is_carried_row
    from (
        select
            ticker,
            arg_max(
                {
                    'price_date': price_date,
                    'close': close,
                    'vendor_adj_close': vendor_adj_close,
                    'obs_index': obs_index,
                    'log_return_cum_fp': log_return_cum_fp
                },
                price_date
            ) as last_row,
            arg_min(close, price_date) as first_close
        from {{ this }}
        where price_date < {{ live_refresh_from() }}
        group by ticker
    )
    {%- endif %}
),

calendar as (
    select * from {{ ref('int_trading_calendar') }}
),

row_actions as (
    select
        ticker,
        applied_date,
        exp(
            sum(case when action_type in ('split', 'consolidation') then ln(ratio) else 0 end)
        ) as split_ratio,
        sum(case when action_type = 'distribution' then amount else 0 end) as distribution_amount,
        bool_or(source = 'detected') as has_detected_action
    from {{ ref('int_corporate_actions_applied') }}
    where is_applied
    group by ticker, applied_date
),

with_previous as (
    select
        cleaned.*,
        coalesce(row_actions.split_ratio, 1.0) as split_ratio,
        coalesce(row_actions.distribution_amount, 0.0) as distribution_amount,
        coalesce(row_actions.has_detected_action, false) as has_detected_action,
        calendar.is_trading_day,
        calendar.trading_days_to_date,
        lag(cleaned.price_date) over by_ticker as prev_date,
        lag(cleaned.close) over by_ticker as prev_close,
        lag(cleaned.vendor_adj_close) over by_ticker as prev_vendor_adj_close,
        lag(calendar.trading_days_to_date) over by_ticker as prev_trading_days_to_date,
        row_number() over by_ticker
        + first_value(cleaned.rows_before) over by_ticker as obs_index
    from cleaned
    left outer join row_actions
        on
            cleaned.ticker = row_actions.ticker
            and cleaned.price_date = row_actions.applied_date
    left outer join calendar
        on cleaned.price_date = calendar.price_date
    window by_ticker as (partition by cleaned.ticker order by cleaned.price_date)
),

returns as (
    select
        *,
        case
            when prev_close is null then null
            when vendor_adj_close is not null and prev_vendor_adj_close is not null
                then vendor_adj_close * split_ratio / prev_vendor_adj_close - 1
            else (close + distribution_amount) * split_ratio / prev_close - 1
        end as daily_return,
        case
            when prev_close is null then null
            when vendor_adj_close is not null and prev_vendor_adj_close is not null
                then 'vendor_adj_close'
            else 'close_with_actions'
        end as return_basis,
        -- trading days strictly between the previous row and this one that have no row
        greatest(
            coalesce(
                trading_days_to_date - is_trading_day::int - prev_trading_days_to_date, 0
            ),
            0
        ) as sessions_missing_before,
        volume = 0 as is_zero_volume,
        volume = 0 and close = prev_close as is_stale
    from with_previous
),

fixed_point_returns as (
    select
        *,
        -- a carried row brings the sum so far
        coalesce(
            carried_log_return_cum_fp,
            {{ fixed_point('ln(1 + coalesce(daily_return, 0))', '1e15') }}
        ) as log_return_fp
    from returns
),

summed as (
    select
        *,
        first_value(first_close) over history_to_date as index_base,
        sum(log_return_fp) over history_to_date as log_return_cum_fp
    from fixed_point_returns
    window history_to_date as (
        partition by ticker order by price_date
        rows between unbounded preceding and current row
    )
),

final as (
    select
        ticker,
        price_date,
        obs_index,
        open,
        high,
        low,
        close,
        volume,
        index_base * exp(log_return_cum_fp::double / 1e15) as adj_close,
        daily_return,
        ln(1 + daily_return) as log_return,
        return_basis,
        split_ratio,
        distribution_amount,
        vendor_adj_close,
        prev_date,
        sessions_missing_before,
        is_trading_day,
        is_zero_volume,
        is_stale,
        has_detected_action,
        is_ohlc_filled,
        is_ohlc_repaired,
        is_volume_missing,
        is_volume_negative,
        n_copies_of_day,
        source_file,
        source_line,
        log_return_cum_fp
    from summed
    {%- if refresh %}
    where is_carried_row is null
    {%- endif %}
)

select * from final
