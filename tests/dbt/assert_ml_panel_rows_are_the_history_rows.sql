-- The forecasting panel keeps every fund's rows from its `min_history_sessions`-th on, and no
-- others: per fund, int_ml_panel_inputs has as many rows as int_etf_features_daily has with
-- obs_index >= min_history_sessions (its rows are a subset of those, one per fund and date: a
-- uniqueness test). int_ml_panel_inputs finds them by date, from the date of each fund's row
-- numbered min_history_sessions; this holds it to the row numbers.
with

history_rows as (
    select
        ticker,
        count(*) as n_history
    from {{ ref('int_etf_features_daily') }}
    where obs_index >= {{ var('min_history_sessions') }}
    group by ticker
),

panel_rows as (
    select
        ticker,
        count(*) as n_panel
    from {{ ref('int_ml_panel_inputs') }}
    group by ticker
)

select
    coalesce(history_rows.ticker, panel_rows.ticker) as ticker,
    coalesce(history_rows.n_history, 0) as n_history,
    coalesce(panel_rows.n_panel, 0) as n_panel
from history_rows
full outer join panel_rows
    on history_rows.ticker = panel_rows.ticker
where coalesce(history_rows.n_history, 0) != coalesce(panel_rows.n_panel, 0)
