{#-
    Point-in-time market regime per date, from the market benchmark alone (trailing data only):

      trend:      the 50-day average of the index >= its 200-day average -> uptrend
                  (`regime_fast_trend_sessions`, `regime_trend_sessions`)
      volatility: 42-day realised vol (`regime_vol_sessions`) >= `regime_high_vol_ratio` (1.25)
                  x its own median over the last `regime_vol_baseline_sessions` (504) days
                  -> volatile
    Averages of averages rather than the raw index keep the regime from flickering: it changes
    about five times a year on the sample rather than thirteen.

    regime = calm_uptrend | volatile_uptrend | calm_downtrend | volatile_downtrend, or warming_up
    until the 200-day average and the vol baseline exist. Averages and volatilities use exact
    fixed-point sums (see the fixed_point macro), so a date's regime never depends on later data.
-#}
{%- set trend_n = var('regime_trend_sessions') %}
{%- set fast_n = var('regime_fast_trend_sessions') %}
{%- set vol_n = var('regime_vol_sessions') %}
{%- set baseline_n = var('regime_vol_baseline_sessions') %}

with

market as (
    select
        date,
        benchmark_code,
        daily_return,
        index_level,
        {{ fixed_point('index_level', '1e6') }} as index_level_fp,
        {{ fixed_point('ln(1 + daily_return)', '1e12') }} as log_return_fp
    from {{ ref('int_benchmark_returns') }}
    where is_market
),

trend_and_vol as (
    select
        *,
        {{ when_full_window(exact_window_avg('index_level_fp', '1e6',
            trailing_rows(trend_n, 'benchmark_code', 'date')), 'date', trend_n,
            'benchmark_code', 'date') }} as sma_long,
        {{ exact_window_avg('index_level_fp', '1e6',
            trailing_rows(fast_n, 'benchmark_code', 'date')) }} as sma_short,
        {{ exact_window_stddev('log_return_fp', '1e12',
            trailing_rows(vol_n, 'benchmark_code', 'date')) }}
        * sqrt({{ var('trading_days_per_year') }}) as vol_short_ann,
        max(index_level) over history_to_date as running_peak
    from market
    window history_to_date as (
        partition by benchmark_code order by date
        rows between unbounded preceding and current row
    )
),

baselines as (
    select
        *,
        {{ when_full_window('median(vol_short_ann) over '
            ~ trailing_rows(baseline_n, 'benchmark_code', 'date'), 'date', baseline_n,
            'benchmark_code', 'date') }}
            as vol_baseline_ann
    from trend_and_vol
),

classified as (
    select
        *,
        sma_short / sma_long - 1 as trend_strength,
        vol_short_ann / vol_baseline_ann as vol_ratio,
        index_level / running_peak - 1 as drawdown,
        case
            when sma_long is null or vol_baseline_ann is null then 'warming_up'
            when sma_short >= sma_long
                then case
                        when vol_short_ann
                            >= {{ var('regime_high_vol_ratio') }} * vol_baseline_ann
                            then 'volatile_uptrend'
                        else 'calm_uptrend'
                    end
            else case
                    when vol_short_ann
                        >= {{ var('regime_high_vol_ratio') }} * vol_baseline_ann
                        then 'volatile_downtrend'
                    else 'calm_downtrend'
                end
        end as regime
    from baselines
),

runs as (
    select
        *,
        row_number() over (order by date)
        - row_number() over (partition by regime order by date) as run_id
    from classified
),

final as (
    select
        date,
        regime,
        benchmark_code,
        index_level,
        sma_short,
        sma_long,
        trend_strength,
        vol_short_ann,
        vol_baseline_ann,
        vol_ratio,
        drawdown,
        row_number() over (partition by regime, run_id order by date) as days_in_regime
    from runs
)

select * from final
