{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='return_complete_date'
) }}
-- depends_on: {{ ref('int_refresh_window') }}, {{ ref('int_prices_adjusted') }}
{#-
    Each fund's forward total return after every monthly signal date (the first trading day of
    a month), over 1, 5, 21 and 63 sessions, as the backtest would earn it: the signal is read
    at the close of the signal date, the fund bought at the next session's close, and held for
    `horizon_sessions` sessions.

      forward_return = exp(sum of log total returns of sessions s+2 .. s+1+h) - 1

    with s the signal date's session. A fund that stops trading inside the window earns its
    returns up to its last price (delisting at the last close, no survivorship). A row exists
    only once the window is over: `return_complete_date` is the date of session s+1+h, the day
    the return becomes known. Everything dated by it (mart_signal_ic's as_of_date) uses only
    data dated on or before that day.

    A live refresh computes only the windows complete on or after refresh_from. They enter at a
    session no earlier than `first_entry` (the last session before refresh_from, less the
    longest horizon and two), so it reads the returns from there: a window's return is a
    difference of exact fixed-point sums, the same from any starting point. Each fund with
    returns before that session starts from a zero row just before it (its index there).
-#}
{%- set refresh = is_incremental_refresh() and is_incremental() %}
{%- if refresh and execute %}
    {#- constants, so DuckDB prunes the returns it reads (see live_refresh_from) -#}
    {%- set bounds = run_query(
        'with sessions as (select price_date, trading_days_to_date as n from '
        ~ ref('int_trading_calendar') ~ ' where is_trading_day), '
        ~ 'first_entry as (select coalesce(max(n), 0) - ' ~ (signal_horizons() | max + 2)
        ~ ' as n from sessions where price_date < ' ~ live_refresh_from() ~ ') '
        ~ 'select first_entry.n, sessions.price_date::varchar from first_entry '
        ~ 'left join sessions on sessions.n = first_entry.n - 1'
    ) %}
    {%- set first_entry = bounds.columns[0].values()[0] %}
    {%- set before = bounds.columns[1].values()[0] %}
    {%- set last_date_before = "date '" ~ before ~ "'" if before else "date '0001-01-01'" %}
{%- endif %}

with

sessions as (
    select
        price_date as session_date,
        trading_days_to_date as session_number
    from {{ ref('int_trading_calendar') }}
    where is_trading_day
),

signal_dates as (
    select * from {{ ref('int_signal_dates') }}
),

horizons as (
    select unnest({{ signal_horizons() }}) as horizon_sessions
),

log_returns as (
    select
        returns.ticker,
        sessions.session_number,
        {{ fixed_point('ln(greatest(1 + returns.daily_return, 1e-12))', '1e12') }} as log_return_fp
    from {{ ref('int_backtest_returns') }} as returns
    inner join sessions
        on returns.date = sessions.session_date
    {%- if refresh %}
    where returns.date > {{ last_date_before }}
    union all
    -- a zero row just before the first session read, for each fund with returns before it
    -- (rows on a day up to the last session before it fall in a session before it)
    select distinct
        ticker,
        {{ first_entry }} - 1 as session_number,
        0::bigint as log_return_fp
    from {{ ref('int_prices_adjusted') }}
    where price_date <= {{ last_date_before }} and daily_return is not null
    {%- endif %}
),

cumulative as (
    -- log total-return index per fund and session (a session without a row adds nothing), in
    -- exact fixed point (1e-12): the same bits whatever data follows (macros/helpers/fixed_point)
    select
        ticker,
        session_number,
        sum(log_return_fp) over (
            partition by ticker order by session_number
            rows between unbounded preceding and current row
        ) as cum_log_return_fp
    from log_returns
),

windows as (
    -- the exit session s + 1 + h; with an exchange calendar a session may have no price row
    -- at all, then the window is complete on the next session that has one
    select
        signal_dates.signal_date,
        horizons.horizon_sessions,
        signal_dates.session_number + 1 as entry_session,
        signal_dates.session_number + 1 + horizons.horizon_sessions as exit_session,
        exits.session_date as return_complete_date
    from signal_dates
    cross join horizons
    asof inner join sessions as exits
        on exits.session_number >= signal_dates.session_number + 1 + horizons.horizon_sessions
    {%- if refresh %}
    where exits.session_date >= {{ live_refresh_from() }}
    {%- endif %}
),

funds as (
    select
        ticker,
        min(session_number) as first_session
    from cumulative
    group by ticker
),

fund_windows as (
    select
        windows.*,
        funds.ticker
    from windows
    inner join funds
        on windows.entry_session >= funds.first_session
),

with_entry as (
    select
        fund_windows.*,
        entry.cum_log_return_fp as entry_log_fp
    from fund_windows
    asof inner join cumulative as entry
        on fund_windows.ticker = entry.ticker
            and fund_windows.entry_session >= entry.session_number
),

final as (
    select
        with_entry.ticker,
        with_entry.signal_date,
        with_entry.horizon_sessions,
        with_entry.return_complete_date,
        exp((exits.cum_log_return_fp - with_entry.entry_log_fp)::double / 1e12)
        - 1 as forward_return
    from with_entry
    asof inner join cumulative as exits
        on with_entry.ticker = exits.ticker
            and with_entry.exit_session >= exits.session_number
)

select * from final
