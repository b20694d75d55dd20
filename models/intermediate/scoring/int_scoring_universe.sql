{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='as_of_date'
) }}
-- depends_on: {{ ref('int_beta_inputs') }}
{#-
    One row per trading day and live fund: every scoring input as of the fund's latest clean
    price row on or before that day, and whether the fund is eligible to be scored.

    A fund is live on a trading day from its first price until `delisting_grace_sessions` (10)
    sessions after its latest price; this uses only rows dated on or before the day, so rows
    dated <= T are the same whatever data follows T. On days without a price of its own the
    fund is listed but not eligible (`no_price_today`).

    Exclusion reasons, first that applies: no_price_today, insufficient_history (fewer than
    `min_history_sessions` rows), too_illiquid (3-month traded value below `min_traded_value` or
    more than `max_zero_volume_share` of days without trades), missing_inputs (a component input
    is null), unclassified (asset class still pending), universe_too_small (fewer than
    `min_universe_size` candidates that day).

    A live refresh computes the days on or after refresh_from. It reads each fund's price rows
    from `window_3m` rows before its last row before refresh_from (that row serves the first
    new days, and its 3-month sums need the rows before it), and the other inputs from
    `inputs_since`, the oldest date such a row can have and still serve a new day (`grace` + 3
    sessions before refresh_from), a constant DuckDB prunes by; the rolling betas it computes
    itself from there (macros/market/rolling_betas.sql), as the view would over every day.
-#}
{%- set grace = var('delisting_grace_sessions') %}
{%- set refresh = is_incremental_refresh() and is_incremental() %}
{%- set inputs_since = none %}
{%- if refresh and execute %}
    {%- set inputs_since = run_query(
        'with last_before as (select ticker, max(price_date) as price_date from '
        ~ ref('int_prices_adjusted') ~ ' where price_date < ' ~ live_refresh_from()
        ~ ' group by ticker), oldest_served as (select min(price_date) as price_date from ('
        ~ 'select price_date from ' ~ ref('int_trading_calendar') ~ ' where is_trading_day'
        ~ ' and price_date < ' ~ live_refresh_from() ~ ' order by price_date desc limit '
        ~ (grace + 3) ~ ')) select least(min(last_before.price_date), '
        ~ live_refresh_from() ~ ')::varchar from last_before, oldest_served'
        ~ ' where last_before.price_date >= oldest_served.price_date'
    ).columns[0].values()[0] %}
    {%- set inputs_since = "date '" ~ inputs_since ~ "'" if inputs_since else live_refresh_from() %}
{%- endif %}

with

calendar as not materialized (
    -- read twice, so inlined (README "Layout"; 3,000 funds ~32 -> ~30 s)
    select
        price_date,
        is_trading_day,
        trading_days_to_date
    from {{ ref('int_trading_calendar') }}
),

first_read as (
    -- in a live refresh, each fund's first row read: window_3m rows before its last row before
    -- refresh_from (none in a full build, which reads every row)
    select
        ticker,
        max(obs_index) - {{ var('window_3m') }} as first_obs_index
    from {{ ref('int_prices_adjusted') }}
    where {{ 'price_date < ' ~ live_refresh_from() if refresh else 'false' }}
    group by ticker
),

prices as (
    select
        adjusted.ticker,
        adjusted.price_date,
        adjusted.obs_index,
        adjusted.close,
        -- first trading day on or after the row's date (a row on a holiday serves the next day)
        calendar.trading_days_to_date + case when calendar.is_trading_day then 0 else 1 end
            as first_session,
        sum(adjusted.has_detected_action::int) over last_3m as detected_actions_3m,
        sum(adjusted.sessions_missing_before) over last_3m as missing_sessions_3m,
        -- the next row's first session, in the same sort as the sums above (as a window of its
        -- own in `coverage`, a second sort of every row: 3,000 funds, 1.5 CPU-s)
        lead(calendar.trading_days_to_date + case when calendar.is_trading_day then 0 else 1 end)
            over by_ticker as next_first_session
    from {{ ref('int_prices_adjusted') }} as adjusted
    inner join calendar
        on adjusted.price_date = calendar.price_date
    left outer join first_read
        on adjusted.ticker = first_read.ticker
    where adjusted.obs_index >= coalesce(first_read.first_obs_index, 0)
    window
        last_3m as {{ trailing_rows(var('window_3m'), 'adjusted.ticker', 'adjusted.price_date') }},
        by_ticker as (partition by adjusted.ticker order by adjusted.price_date)
),

coverage as (
    -- each row serves the sessions until the fund's next row, or `grace` sessions past itself
    select
        * exclude (next_first_session),
        greatest(
            least(
                coalesce(next_first_session, first_session + {{ grace }} + 1),
                first_session + {{ grace }} + 1
            ) - first_session,
            0
        ) as sessions_served
    from prices
),

offsets as (
    select
        *,
        unnest(range(sessions_served)) as days_since_price
    from coverage
),

grid as (
    select
        offsets.*,
        trading_days.price_date as as_of_date
    from offsets
    inner join calendar as trading_days
        on
            offsets.first_session + offsets.days_since_price = trading_days.trading_days_to_date
            and trading_days.is_trading_day
    {{- live_since('trading_days.price_date', live_refresh_from()) }}
),

features as (
    select * from {{ ref('int_etf_features_daily') }}
    {{- live_since('price_date', inputs_since) }}
),

garch as (
    select * from {{ ref('garch_volatility') }}
    {{- live_since('date', inputs_since) }}
),

betas_kalman as (
    select * from {{ ref('beta_kalman') }}
    {{- live_since('price_date', inputs_since) }}
),

betas_rolling as (
    {%- if inputs_since %}
    -- the view int_betas_rolling computes every day's: a live refresh needs the last ones
    select * from ({{ rolling_betas(inputs_since) }}) as rolling
    {%- else %}
    select * from {{ ref('int_betas_rolling') }}
    {%- endif %}
    {{- live_since('price_date', inputs_since) }}
),

forecasts as (
    select * from {{ ref('ml_forecasts') }}
    {{- live_since('price_date', inputs_since) }}
),

-- One row per fund and price date with every input, merged by fund and date (macro
-- merge_by_key: hash joins built on the narrow later parts).
inputs as (
    {{ merge_by_key([
        {'from': 'features', 'columns': ['drawdown', 'max_drawdown_12m', 'realized_vol_3m_ann',
            'momentum_3m', 'momentum_6m', 'momentum_12m', 'momentum_12_1', 'traded_value_3m',
            'amihud_illiquidity_3m', 'zero_volume_share_3m', 'stale_share_3m']},
        {'from': 'garch', 'keys': {'price_date': 'date'}, 'columns': ['garch_vol_21d_ann',
            'garch_vol_1d_ann', 'vol_model', 'vol_fallback_reason']},
        {'from': 'betas_kalman', 'columns': ['beta_kalman']},
        {'from': 'betas_rolling', 'columns': ['beta_rolling']},
        {'from': 'forecasts', 'columns': {
            'forecast_return': 'forecast_return', 'forecast_model_date': 'model_date'
        }},
    ]) }}
),

etfs as (
    select * from {{ ref('int_etfs_classified') }}
),

etf_risk as (
    select
        ticker,
        asset_class,
        sub_class,
        leverage,
        asset_class_source,
        inferred_as_of_date,
        inference_method,
        -- a class still pending (too few returns to infer it) grades nothing yet
        case when inference_method != 'pending_history' or inference_method is null
                then risk_category
        end as risk_category
    from etfs
),

joined as (
    select
        -- keys
        grid.as_of_date,
        grid.ticker,
        grid.price_date as last_price_date,
        grid.days_since_price,
        grid.obs_index,
        -- classification (an inferred class exists only from the day it was inferred)
        case
            when
                etf_risk.asset_class_source = 'inferred'
                and (
                    etf_risk.inferred_as_of_date is null
                    or grid.as_of_date < etf_risk.inferred_as_of_date
                )
                and etf_risk.inference_method != 'name_keywords'
                then null
            else etf_risk.risk_category
        end as risk_category,
        etf_risk.asset_class,
        etf_risk.leverage,
        -- risk inputs
        inputs.garch_vol_21d_ann,
        inputs.garch_vol_1d_ann,
        inputs.vol_model,
        inputs.vol_fallback_reason,
        inputs.beta_kalman,
        inputs.beta_rolling,
        -- the beta scored: the Kalman beta while it is plausible, else the rolling OLS beta
        {%- set beta_max = var('beta_plausible_max') %}
        case
            when abs(inputs.beta_kalman) <= {{ beta_max }} then inputs.beta_kalman
            when abs(inputs.beta_rolling) <= {{ beta_max }} then inputs.beta_rolling
        end as beta,
        case
            when abs(inputs.beta_kalman) <= {{ beta_max }} then 'kalman'
            when abs(inputs.beta_rolling) <= {{ beta_max }} then 'rolling_ols'
        end as beta_model,
        inputs.drawdown,
        inputs.max_drawdown_12m,
        inputs.realized_vol_3m_ann,
        -- momentum inputs
        inputs.momentum_3m,
        inputs.momentum_6m,
        inputs.momentum_12m,
        inputs.momentum_12_1,
        -- forecast
        inputs.forecast_return,
        inputs.forecast_model_date,
        -- liquidity inputs
        inputs.traded_value_3m,
        inputs.amihud_illiquidity_3m,
        inputs.zero_volume_share_3m,
        inputs.stale_share_3m,
        -- data-quality inputs
        grid.detected_actions_3m,
        grid.missing_sessions_3m
    from grid
    inner join inputs
        on grid.ticker = inputs.ticker and grid.price_date = inputs.price_date
    left outer join etf_risk
        on grid.ticker = etf_risk.ticker
),

candidates as (
    select
        *,
        case
            when days_since_price > 0 then 'no_price_today'
            when obs_index < {{ var('min_history_sessions') }} then 'insufficient_history'
            when
                coalesce(traded_value_3m, 0) < {{ var('min_traded_value') }}
                or zero_volume_share_3m > {{ var('max_zero_volume_share') }}
                then 'too_illiquid'
            when
                garch_vol_21d_ann is null or beta is null or max_drawdown_12m is null
                or momentum_3m is null or momentum_6m is null or momentum_12_1 is null
                or forecast_return is null or amihud_illiquidity_3m is null
                or zero_volume_share_3m is null
                then 'missing_inputs'
            when risk_category is null then 'unclassified'
        end as candidate_exclusion
    from joined
),

-- the day's candidates counted once per day and joined back (a window over the day's wide
-- rows sorted them all: 3,000 funds, this query alone 43.6 -> 29.1 s)
day_sizes as (
    select
        as_of_date,
        count(*) filter (where candidate_exclusion is null) as n_candidates
    from candidates
    group by as_of_date
),

final as (
    select
        candidates.*,
        case
            when candidates.candidate_exclusion is not null then candidates.candidate_exclusion
            when day_sizes.n_candidates < {{ var('min_universe_size') }}
                then 'universe_too_small'
        end as exclusion_reason,
        -- penalty metrics
        candidates.obs_index as history_sessions,
        abs(candidates.leverage - 1) as leverage_distance
    from candidates
    inner join day_sizes
        on candidates.as_of_date = day_sizes.as_of_date
)

select
    * exclude (candidate_exclusion),
    exclusion_reason is null as is_eligible
from final
{{ live_tail('as_of_date') }}
