{#-
    What trading a fund costs, per fund and date (no brokerage: spread and market impact only).

    half_spread: the Corwin-Schultz (2012) high-low estimate, averaged over the last 21 rows
    (negative daily estimates set to zero, as the authors do), bounded to [1, 200] bps; before
    21 estimates exist, the spread of the fund's liquidity tier (seed spread_tiers).
    traded_value: 3-month average daily traded value (price currency), for the participation
    rate and the square-root impact law; daily_vol: the GARCH 1-day volatility forecast,
    de-annualised. Averages are exact fixed-point sums (point-in-time to the last bit).
-#}
{%- set k = 3 - 2 * (2 ** 0.5) %}

with

prices as (
    select
        ticker,
        price_date,
        high,
        low,
        close,
        lag(high) over by_ticker as prev_high,
        lag(low) over by_ticker as prev_low
    from {{ ref('int_prices_adjusted') }}
    window by_ticker as (partition by ticker order by price_date)
),

daily_estimates as (
    -- beta: two one-day ranges; gamma: the two-day range (Corwin & Schultz 2012, eq. 14-18)
    select
        ticker,
        price_date,
        close,
        ln(high / low) ^ 2 + ln(prev_high / prev_low) ^ 2 as cs_beta,
        ln(greatest(high, prev_high) / least(low, prev_low)) ^ 2 as cs_gamma
    from prices
    where prev_high is not null and high > 0 and low > 0 and prev_low > 0
),

spreads as (
    select
        ticker,
        price_date,
        (sqrt(2 * cs_beta) - sqrt(cs_beta)) / {{ k }} - sqrt(cs_gamma / {{ k }}) as cs_alpha
    from daily_estimates
),

full_spread as (
    select
        ticker,
        price_date,
        {{ fixed_point('greatest(2 * (exp(cs_alpha) - 1) / (1 + exp(cs_alpha)), 0)', '1e12') }}
            as spread_fp
    from spreads
),

smoothed as (
    select
        ticker,
        price_date,
        {{ when_full_window(exact_window_avg('spread_fp', '1e12', trailing_rows(21)),
            'spread_fp', 21) }} as cs_full_spread
    from full_spread
),

features as (
    select
        ticker,
        price_date,
        close,
        traded_value_3m
    from {{ ref('int_etf_features_daily') }}
),

garch as (
    select
        ticker,
        date as price_date,
        garch_vol_1d_ann
    from {{ ref('garch_volatility') }}
),

tiers as (
    -- the tiers as one list, ascending by their lower bound: a per-row lookup in a list streams
    -- (a correlated subquery grouped millions of distinct traded values)
    select
        list(
            struct_pack(min_traded_value, half_spread_bps) order by min_traded_value
        ) as by_lower_bound
    from {{ ref('spread_tiers') }}
),

-- the three inputs merged by fund and date (macro merge_by_key)
merged as (
    {{ merge_by_key([
        {'from': 'features', 'columns': {
            'close': 'close', 'traded_value_3m': 'traded_value_3m'
        }},
        {'from': 'smoothed', 'columns': {'cs_full_spread': 'cs_full_spread'}},
        {'from': 'garch', 'columns': {'garch_vol_1d_ann': 'garch_vol_1d_ann'}},
    ]) }}
),

joined as (
    select
        merged.ticker,
        merged.price_date,
        merged.close,
        merged.traded_value_3m,
        merged.cs_full_spread,
        merged.garch_vol_1d_ann / sqrt({{ var('trading_days_per_year') }}) as daily_vol,
        -- the tier with the highest lower bound the fund's traded value reaches
        list_filter(
            tiers.by_lower_bound,
            lambda tier: tier.min_traded_value <= coalesce(merged.traded_value_3m, 0)  -- noqa: RF01
        )[-1].half_spread_bps as tier_half_spread_bps
    from merged
    cross join tiers
),

final as (
    select
        ticker,
        price_date,
        close,
        traded_value_3m as traded_value,
        daily_vol,
        cs_full_spread / 2 * 1e4 as cs_half_spread_bps,
        tier_half_spread_bps,
        case
            when cs_full_spread is not null
                then least(greatest(cs_full_spread / 2 * 1e4, 1), 200)
            else tier_half_spread_bps
        end / 1e4 as half_spread,
        case when cs_full_spread is not null then 'corwin_schultz' else 'liquidity_tier' end
            as spread_source
    from joined
)

select * from final
