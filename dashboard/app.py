"""etf-warehouse dashboard: a read-only view of the published snapshot.

Start it with `bash scripts/dashboard.sh` (binds to 127.0.0.1). Pages are addressed by
`?page=<name>`; a page whose marts are not built yet says so instead of failing.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from etf_warehouse.dashboard.data import Snapshot, snapshot_path, waterfall
from etf_warehouse.portfolio.construction import BENCHMARK

PAGES = {
    "rankings": "Rankings",
    "distribution": "Score distribution",
    "etf": "Fund: why this rank",
    "portfolio": "Portfolio and trade list",
    "backtest": "Backtest",
    "signals": "Signals",
    "forecasts": "Forecasts",
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


if page == "rankings" and needs("mart_latest_rankings", "mart_etf_penalties", "dim_etfs"):
    table = snapshot.rankings_table()
    eligible = table.loc[table["is_eligible"]]
    if eligible.empty:
        st.info("No fund is eligible on the latest date yet (too little history).")
    else:
        top = eligible.iloc[0]
        cols = st.columns(4)
        cols[0].metric("Top-ranked", top["ticker"])
        cols[1].metric("Composite score", f"{top['composite_score']:.1f}")
        cols[2].metric("Eligible funds", len(eligible))
        cols[3].metric("As of", str(top["as_of_date"])[:10])
    filters = st.columns(5)
    chosen = {}
    for col, name in zip(filters[:3], ["asset_class", "region", "risk_category"], strict=True):
        options = sorted(table[name].dropna().unique().tolist())
        chosen[name] = col.multiselect(name.replace("_", " "), options)
    only_eligible = filters[3].checkbox("eligible only", value=True)
    search = filters[4].text_input("ticker or name contains").strip().lower()
    shown = table
    for name, values in chosen.items():
        if values:
            shown = shown.loc[shown[name].isin(values)]
    if only_eligible:
        shown = shown.loc[shown["is_eligible"]]
    if search:
        text = shown["ticker"].str.lower() + " " + shown["etf_name"].fillna("").str.lower()
        shown = shown.loc[text.str.contains(search, regex=False)]
    st.caption(
        "rank_in_class: the fund's rank among eligible funds of its asset class (for choosing"
        " between substitutes). Open a fund: Fund page, or ?page=etf&ticker=..."
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    components = snapshot.component_columns()
    bars = shown.head(25).melt(
        id_vars=["ticker", "score_rank"],
        value_vars=components,
        var_name="component",
        value_name="score",
    )
    if not bars.empty:
        weights = {c: shown[f"weight_{c[6:]}"] for c in components}
        bars["points"] = [row.score * weights[row.component].iloc[0] for row in bars.itertuples()]
        st.subheader("Weighted component points of the first 25 shown")
        st.altair_chart(
            alt.Chart(bars)
            .mark_bar()
            .encode(
                x=alt.X("points:Q", stack="zero", title="weight x component score"),
                y=alt.Y("ticker:N", sort=alt.SortField("score_rank"), title=None),
                color="component:N",
                tooltip=["ticker", "component", "score", "points"],
            ),
            width="stretch",
        )
    st.subheader("Penalties on the latest date")
    st.dataframe(snapshot.latest_penalties(), hide_index=True, width="stretch")

elif page == "distribution" and needs("mart_latest_rankings"):
    bands = snapshot.score_distribution()
    st.caption("Eligible funds per 10-point band of the composite score, latest date.")
    st.bar_chart(bands, x="score_band", y="funds")
    st.dataframe(bands, hide_index=True)

elif page == "etf" and needs("dim_etfs", "fct_daily_prices", "mart_etf_rankings"):
    tickers = snapshot.tickers()
    wanted = st.query_params.get("ticker") or snapshot.top_ticker() or tickers[0]
    ticker = st.selectbox("Fund", tickers, index=tickers.index(wanted) if wanted in tickers else 0)
    st.dataframe(snapshot.etf_profile(ticker), hide_index=True, width="stretch")
    latest = snapshot.fund_latest(ticker)
    if latest.empty or latest["composite_score"].isna().iloc[0]:
        reason = "" if latest.empty else latest["exclusion_reason"].iloc[0]
        st.info(f"{ticker} has no score on the latest date ({reason or 'not listed then'}).")
    else:
        row = latest.iloc[0]
        st.subheader(
            f"Waterfall: how {ticker} gets its composite score of "
            f"{row['composite_score']:.2f} (rank {int(row['score_rank'])} of "
            f"{int(row['n_eligible'])})"
        )
        steps = waterfall(row, snapshot.fund_penalties(ticker), snapshot.component_columns())
        steps["kind"] = [
            "total" if i == len(steps) - 1 else ("up" if d >= 0 else "down")
            for i, d in enumerate(steps["delta"])
        ]
        st.altair_chart(
            alt.Chart(steps)
            .mark_bar()
            .encode(
                x=alt.X(
                    "step:N",
                    sort=alt.SortField("order"),
                    title=None,
                    axis=alt.Axis(labelAngle=-30, labelLimit=240),
                ),
                y=alt.Y("start:Q", title="score points"),
                y2="end:Q",
                color=alt.Color(
                    "kind:N",
                    scale=alt.Scale(
                        domain=["up", "down", "total"], range=["#4c9f70", "#c44e52", "#4c72b0"]
                    ),
                    legend=None,
                ),
                tooltip=["step", alt.Tooltip("delta:Q", format=".3f")],
            ),
            width="stretch",
        )
        parts = steps["delta"].iloc[:-1].sum()
        st.caption(
            f"The steps add up to {parts:.4f} = the composite score {row['composite_score']:.4f}."
            " raw_score and composite_score are the day's percentiles (of the weighted score,"
            " and of the score after penalties and multipliers), so two steps move the"
            " running total to them."
        )
        st.dataframe(steps[["step", "delta", "end"]], hide_index=True)
    history = snapshot.fund_history(ticker)
    left, right = st.columns(2)
    with left:
        st.subheader("Total-return index (log scale), drawdowns shaded")
        base = alt.Chart(history).encode(x=alt.X("date:T", title=None))
        index = base.mark_line().encode(
            y=alt.Y(
                "adj_close:Q", scale=alt.Scale(type="log", zero=False), title="total-return index"
            )
        )
        drawdown = base.mark_area(opacity=0.3, color="#c44e52").encode(
            y=alt.Y("drawdown:Q", title="drawdown")
        )
        st.altair_chart(alt.layer(index, drawdown).resolve_scale(y="independent"), width="stretch")
        st.subheader("Composite score and rank")
        scored = history.dropna(subset=["composite_score"])
        st.line_chart(scored, x="date", y="composite_score")
        st.line_chart(scored, x="date", y="score_rank")
    with right:
        st.subheader("GARCH volatility (annualised)")
        st.line_chart(history, x="date", y="garch_vol_ann")
        st.subheader("Beta to its benchmark")
        st.line_chart(history, x="date", y="beta")
        if not snapshot.missing("mart_factor_exposures"):
            loadings = snapshot.fund_loadings(ticker)
            if not loadings.empty:
                st.subheader("Factor loadings over time")
                st.line_chart(loadings, x="as_of_date", y="loading", color="factor")
    st.subheader("Corporate actions")
    st.dataframe(snapshot.fund_actions(ticker), hide_index=True, width="stretch")
    st.subheader("Quarantined rows")
    st.dataframe(snapshot.fund_quarantine(ticker), hide_index=True, width="stretch")

elif page == "portfolio" and needs("mart_trade_list"):
    holdings = snapshot.portfolio()
    st.metric("Funds held in the target portfolio", len(holdings))
    st.bar_chart(holdings, x="ticker", y="target_weight")
    st.subheader("Trade list")
    st.dataframe(snapshot.trade_list(), hide_index=True, width="stretch")

elif page == "backtest" and needs("mart_backtest_summary", "mart_backtest_daily"):
    summary = snapshot.backtest_summary()
    if "composite" in set(summary["strategy"]):
        comp = summary.set_index("strategy").loc["composite"]
        st.info(
            f"Reading: the composite strategy's Sharpe is {comp['sharpe']:.2f}; the chance its"
            f" true Sharpe is above 0 is {comp['psr']:.0%} (PSR), and above what the best of"
            f" {int(comp['n_trials'])} tries would show by luck {comp['dsr']:.0%} (DSR); the SPA"
            f" test's p-value against the benchmark is {comp['spa_pvalue']:.2f}"
            f" ({'significant' if comp['spa_pvalue'] < 0.05 else 'not significant'} at 5 %)."
        )
    st.dataframe(summary, hide_index=True, width="stretch")
    navs = snapshot.strategy_navs()
    st.subheader("Equity curves after costs, every strategy (log scale)")
    st.altair_chart(
        alt.Chart(navs)
        .mark_line()
        .encode(
            x=alt.X("date:T", title=None),
            y=alt.Y("nav:Q", scale=alt.Scale(type="log", zero=False, nice=False), title="net NAV"),
            color="strategy:N",
        ),
        width="stretch",
    )
    st.subheader(f"Drawdown: composite vs the benchmark ({BENCHMARK})")
    daily = snapshot.equity_curves(["composite", BENCHMARK])  # daily: no trough missed
    st.line_chart(daily, x="date", y="drawdown", color="strategy")
    st.subheader("Rolling 12-month Sharpe ratio")
    st.line_chart(snapshot.rolling_sharpe(), x="date", y="rolling_sharpe", color="strategy")
    strategy = st.selectbox("Strategy", summary["strategy"].tolist())
    monthly = snapshot.monthly_returns(strategy)
    st.subheader(f"{strategy}: monthly net returns")
    st.altair_chart(
        alt.Chart(monthly)
        .mark_rect()
        .encode(
            x=alt.X("month:O"),
            y=alt.Y("year:O"),
            color=alt.Color("net_return:Q", scale=alt.Scale(scheme="redyellowgreen", domainMid=0)),
            tooltip=["year", "month", alt.Tooltip("net_return:Q", format=".2%")],
        ),
        width="stretch",
    )
    st.subheader(f"{strategy}: deepest drawdowns")
    st.dataframe(snapshot.drawdown_periods(strategy), hide_index=True)
    st.subheader("Turnover and cost drag")
    st.dataframe(
        summary[["strategy", "annual_turnover", "annual_cost_drag", "cagr"]], hide_index=True
    )

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

elif page == "forecasts" and needs("mart_forecast_diagnostics"):
    diagnostics = snapshot.forecast_diagnostics()
    st.caption(
        "Each retrain's out-of-sample rank IC per ensemble member (the month of forecasts"
        " after it against the realised relative returns), and calibration: the slope of the"
        " realised return on the forecast (1 = calibrated, 0 = no information)."
    )
    st.metric("Mean out-of-sample rank IC (all members)", f"{diagnostics['rank_ic'].mean():.3f}")
    st.subheader("Out-of-sample rank IC per retrain and member")
    st.line_chart(diagnostics, x="model_date", y="rank_ic", color="member")
    st.subheader("Calibration slope per retrain and member")
    st.line_chart(diagnostics, x="model_date", y="calibration_slope", color="member")
    st.dataframe(diagnostics, hide_index=True, width="stretch")

elif page == "quality" and needs("mart_data_quality", "fct_daily_prices"):
    age = snapshot.newest_price()
    newest, days = age["newest_price_date"].iloc[0], age["age_days"].iloc[0]
    if days is not None and days > 5:
        st.warning(f"The newest price is {days} days old ({newest}) at publication: stale data.")
    quality = snapshot.data_quality()
    cols = st.columns(2)
    cols[0].metric("Check results", int(quality["results"].sum()) if not quality.empty else 0)
    cols[1].metric("Newest price", str(newest)[:10])
    st.dataframe(quality, hide_index=True, width="stretch")
    if not quality.empty:
        check = st.selectbox("Rows of check", quality["check_name"].tolist())
        st.dataframe(snapshot.quality_rows(check), hide_index=True, width="stretch")
