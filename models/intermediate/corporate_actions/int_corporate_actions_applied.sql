{#-
    Every corporate action, declared or detected, with whether the return calculation applies it.

    Declared actions are placed on the first clean price row on or after their date. A declared
    split or consolidation is applied only when the raw prices show the matching jump that day
    (within 0.25 in log terms); otherwise the prices are already adjusted and applying it would
    invent a return, so it is reported and left out. Distributions are applied to raw closes and
    left out where the vendor's adjusted close already includes them.

    Detected actions are the jumps int_prices_validated reads as a split or consolidation on
    evidence (ratio, the whole bar on the new level, an ordinary range, traded units changed by
    the ratio): the SNAS.AX case, a consolidation nobody declared. The evidence is the detail.
    Detection uses the day of the jump and the days before it only.
-#}

with

declared as (
    select * from {{ ref('int_corporate_actions_declared') }}
),

cleaned as not materialized (
    -- the columns read below only: the window sort carries every column it is given. Read
    -- twice, so inlined rather than copied (README "Layout"; 3,000 funds 2.4 -> 1.4 s)
    select
        ticker,
        price_date,
        log_move_vs_prev,
        vendor_adj_close,
        detected_split_ratio,
        split_evidence,
        is_detected_split,
        lag(close) over by_ticker as prev_close
    from {{ ref('int_prices_cleaned') }}
    window by_ticker as (partition by ticker order by price_date)
),

declared_located as (
    select
        declared.ticker,
        declared.action_date,
        declared.action_type,
        declared.ratio,
        declared.amount,
        declared.source_file,
        cleaned.price_date as applied_date,
        cleaned.log_move_vs_prev,
        cleaned.prev_close,
        cleaned.vendor_adj_close is not null as has_vendor_adj_close
    from declared
    asof left join cleaned
        on declared.ticker = cleaned.ticker
            and declared.action_date <= cleaned.price_date
),

declared_decided as (
    select
        ticker,
        action_date,
        applied_date,
        action_type,
        case
            when action_type = 'distribution' then amount / nullif(prev_close, 0)
            else ratio
        end as ratio,
        amount,
        'declared' as source,
        case
            when applied_date is null then 'no price on or after the action date'
            when has_vendor_adj_close
                then 'returns use the vendor adjusted close, which already includes it'
            when action_type = 'distribution' and prev_close is null
                then 'on the first price row: no earlier price to pay it from'
            when
                action_type in ('split', 'consolidation')
                and not abs(coalesce(log_move_vs_prev, 0) + ln(ratio)) < 0.25
                then 'prices show no matching jump on ' || applied_date
                    || ' (already adjusted?)'
        end as not_applied_reason,
        'declared in ' || source_file as detail
    from declared_located
),

confirmed_splits as (
    select
        ticker,
        applied_date
    from declared_decided
    where action_type in ('split', 'consolidation') and not_applied_reason is null
),

detected as (
    select
        cleaned.ticker,
        cleaned.price_date as action_date,
        cleaned.price_date as applied_date,
        case when cleaned.detected_split_ratio > 1 then 'split' else 'consolidation' end
            as action_type,
        cleaned.detected_split_ratio as ratio,
        null::double as amount,
        'detected' as source,
        null::varchar as not_applied_reason,
        'no declaration; ' || cleaned.split_evidence as detail
    from cleaned
    left outer join confirmed_splits
        on
            cleaned.ticker = confirmed_splits.ticker
            and cleaned.price_date = confirmed_splits.applied_date
    where cleaned.is_detected_split and confirmed_splits.ticker is null
),

final as (
    select
        ticker,
        action_date,
        applied_date,
        action_type,
        ratio,
        amount,
        source,
        not_applied_reason is null as is_applied,
        not_applied_reason,
        detail
    from declared_decided
    union all
    select
        ticker,
        action_date,
        applied_date,
        action_type,
        ratio,
        amount,
        source,
        true as is_applied,
        not_applied_reason,
        detail
    from detected
)

select * from final
