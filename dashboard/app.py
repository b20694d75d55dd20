"""etf-warehouse dashboard: a read-only view of the published snapshot.

Start it with `bash scripts/dashboard.sh` (binds to 127.0.0.1). Pages are addressed by
`?page=<name>`; a page whose marts are not built yet says so instead of failing.
"""

from __future__ import annotations

import streamlit as st

from etf_warehouse.dashboard.data import Snapshot, snapshot_path
from etf_warehouse.portfolio.construction import BENCHMARK

PAGES = {
    "rankings": "Rankings",
    "distribution": "Score distribution",
    "etf": "ETF drill-down",
    "portfolio": "Portfolio and trade list",
    "backtest": "Backtest",
    "signals": "Signals",
    "stress": "Stress tests",
    "context": "Regime and macro/geo context",
    "quality": "Data quality",
}

st.set_page_config(page_title="etf-warehouse", layout="wide")
snapshot = Snapshot(snapshot_path())
page = st.query_params.get("page", "rankings")
if page not in PAGES:
    page = "rankings"

with st.sidebar:
    st.markdown("### etf-warehouse")
    for key, title in PAGES.items():
        st.markdown(f"[{title}](?page={key})")
    if snapshot.exists() and not snapshot.missing("_snapshot"):
        stamp = snapshot.stamp()
        st.caption(f"snapshot published {stamp['published_at'].iloc[0]}")

st.title(PAGES[page])


def needs(*tables: str) -> bool:
    """Say which marts are missing (and stop the page) rather than fail on them."""
    if not snapshot.exists():
        st.warning(f"No published snapshot at {snapshot.path}: run `bash scripts/build.sh` first.")
        return False
    missing = snapshot.missing(*tables)
    if missing:
        st.info(f"Not built yet: {', '.join(missing)}. Run `bash scripts/build.sh`.")
        return False
    return True


if page == "rankings" and needs("mart_latest_rankings", "mart_etf_penalties"):
    ranks = snapshot.latest_rankings()
    if ranks.empty:
        st.info("No fund is eligible on the latest date yet (too little history).")
    else:
        top = ranks.iloc[0]
        cols = st.columns(4)
        cols[0].metric("Top-ranked", top["ticker"])
        cols[1].metric("Composite score", f"{top['composite_score']:.1f}")
        cols[2].metric("Eligible funds", len(ranks))
        cols[3].metric("As of", str(top["as_of_date"])[:10])
        st.dataframe(ranks, hide_index=True, width="stretch")
        st.subheader("Penalties on the latest date")
        st.dataframe(snapshot.latest_penalties(), hide_index=True, width="stretch")

elif page == "distribution" and needs("mart_latest_rankings"):
    bands = snapshot.score_distribution()
    st.caption("Eligible funds per 10-point band of the composite score, latest date.")
    st.bar_chart(bands, x="score_band", y="funds")
    st.dataframe(bands, hide_index=True)

elif page == "etf" and needs("dim_etfs", "fct_daily_prices", "mart_etf_rankings"):
    tickers = snapshot.tickers()
    ticker = st.selectbox("ETF", tickers, index=0)
    st.dataframe(snapshot.etf_profile(ticker), hide_index=True, width="stretch")
    history = snapshot.etf_history(ticker)
    st.subheader(f"{ticker}: total-return index")
    st.line_chart(history, x="date", y="adj_close")
    st.subheader("GARCH volatility (annualised) and beta")
    st.line_chart(history, x="date", y=["garch_vol_ann", "beta"])
    if not snapshot.missing("mart_factor_exposures"):
        st.subheader("Latest factor exposures")
        st.dataframe(snapshot.etf_exposures(ticker), hide_index=True, width="stretch")

elif page == "portfolio" and needs("mart_trade_list"):
    holdings = snapshot.portfolio()
    st.metric("Funds held in the target portfolio", len(holdings))
    st.bar_chart(holdings, x="ticker", y="target_weight")
    st.subheader("Trade list")
    st.dataframe(snapshot.trade_list(), hide_index=True, width="stretch")

elif page == "backtest" and needs("mart_backtest_summary", "mart_backtest_daily"):
    summary = snapshot.backtest_summary()
    st.dataframe(summary, hide_index=True, width="stretch")
    curves = snapshot.equity_curves(["composite", BENCHMARK])
    st.subheader(
        "Equity curve: composite vs the benchmark, equal weight without geared, inverse and"
        " volatility funds"
    )
    st.line_chart(curves, x="date", y="nav", color="strategy")
    st.subheader("Drawdown")
    st.line_chart(curves, x="date", y="drawdown", color="strategy")

elif page == "signals" and needs("mart_signal_ic", "mart_signal_diagnostics"):
    st.caption(
        "Does the score predict? Rank IC = Spearman correlation of a signal with the funds'"
        " forward total return, on the first trading day of each month, dated by when the"
        " return is complete. Peers (peer_*) are simple signals with no model."
    )
    horizon = st.selectbox("Horizon (sessions)", [21, 1, 5, 63], index=0)
    summary = snapshot.signal_diagnostics(horizon)
    st.subheader(f"Signals ranked by mean rank IC, {horizon}-session horizon")
    st.dataframe(summary, hide_index=True, width="stretch")
    choices = summary["signal"].tolist()
    defaults = [s for s in ("composite_score", "peer_momentum_12_1") if s in choices]
    chosen = st.multiselect("Signals to plot", choices, default=defaults)
    if chosen:
        history = snapshot.signal_ic_history(chosen, horizon, window=12)
        st.subheader("Rolling 12-month mean rank IC")
        st.line_chart(history, x="as_of_date", y="rolling_mean_ic", color="signal")
        st.subheader("Decay: mean rank IC by horizon")
        decay = snapshot.signal_decay()
        st.line_chart(
            decay[decay["signal"].isin(chosen)], x="horizon_sessions", y="mean_ic", color="signal"
        )
    first = choices.index("composite_score") if "composite_score" in choices else 0
    focus = st.selectbox("Quintile returns of", choices, index=first) if choices else None
    if focus:
        st.subheader(f"{focus}: annualised mean forward return by quintile (Q5 = highest)")
        st.bar_chart(snapshot.signal_quintiles(focus, horizon), x="quintile", y="return_ann")

elif page == "stress" and needs("mart_stress_tests"):
    stress = snapshot.stress_tests()
    portfolio = stress.loc[stress["ticker"] == "PORTFOLIO", ["scenario", "shocked_return"]]
    st.subheader("Target portfolio")
    st.bar_chart(portfolio, x="scenario", y="shocked_return")
    st.subheader("Every eligible fund")
    st.dataframe(stress, hide_index=True, width="stretch")

elif page == "context" and needs("mart_regimes", "mart_etf_rankings", "mart_macro_state"):
    regimes = snapshot.regimes()
    if not regimes.empty:
        st.metric("Regime today", regimes["regime"].iloc[-1])
    notes = snapshot.context_notes()
    for note, funds in notes.itertuples(index=False):
        st.warning(f"{funds} fund(s) today: {note}. Supply a macro file (var macro_path).")
    st.subheader("Today's macro series by region (GLOBAL serves funds whose region has none)")
    st.dataframe(snapshot.macro_latest(), hide_index=True, width="stretch")
    st.subheader("Pressures by region (0 = neutral)")
    st.line_chart(snapshot.macro_state(), x="date", y="pressure", color="line")
    st.subheader("Average multipliers of eligible funds")
    context = snapshot.market_context()
    st.line_chart(context, x="as_of_date", y=["mean_macro_multiplier", "mean_geo_multiplier"])
    st.subheader("Regimes")
    st.dataframe(regimes.tail(250), hide_index=True, width="stretch")

elif page == "quality" and needs("mart_data_quality"):
    quality = snapshot.data_quality()
    st.metric("Check results", int(quality["results"].sum()) if not quality.empty else 0)
    st.dataframe(quality, hide_index=True, width="stretch")
