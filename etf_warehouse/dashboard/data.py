"""The dashboard's data access: read-only, parameterised queries on the published snapshot.

Every page asks :class:`Snapshot` for a frame. A connection is opened per query and closed at
once, read-only, so the dashboard never holds a lock and picks up a newly published snapshot on
its next query. Values from the user (a ticker, a scenario) are bound as parameters, never
pasted into SQL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from etf_warehouse.publish import DEFAULT_SNAPSHOT


def snapshot_path() -> Path:
    """The snapshot the dashboard reads: $ETF_WAREHOUSE_SNAPSHOT_PATH or the default."""
    return Path(os.environ.get("ETF_WAREHOUSE_SNAPSHOT_PATH") or DEFAULT_SNAPSHOT)


@dataclass(frozen=True)
class Snapshot:
    path: Path

    def exists(self) -> bool:
        return self.path.is_file()

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, params or []).df()

    def tables(self) -> set[str]:
        if not self.exists():
            return set()
        frame = self.query("select table_name from information_schema.tables")
        return set(frame["table_name"])

    def missing(self, *tables: str) -> list[str]:
        """The tables among ``tables`` the snapshot does not have (not built yet)."""
        present = self.tables()
        return [t for t in tables if t not in present]

    # --- pages -----------------------------------------------------------------------------
    def stamp(self) -> pd.DataFrame:
        return self.query("select published_at, total_rows from _snapshot")

    def columns(self, table: str) -> list[str]:
        """The columns of ``table``, in table order."""
        frame = self.query(
            "select column_name from information_schema.columns where table_name = ?"
            " order by ordinal_position",
            [table],
        )
        return frame["column_name"].tolist()

    def component_columns(self, table: str = "mart_latest_rankings") -> list[str]:
        """The component scores of a rankings table: each ``score_<c>`` that has a
        ``weight_<c>`` (so not ``score_rank``), in table order, i.e. the order of the registry
        macros/scoring/score_components.sql. A new component appears without a change here."""
        columns = self.columns(table)
        return [c for c in columns if c.startswith("score_") and f"weight_{c[6:]}" in columns]

    def latest_rankings(self) -> pd.DataFrame:
        # identifiers from the snapshot's own schema, quoted; no user input reaches the SQL
        components = ", ".join(f'"{column}"' for column in self.component_columns())
        return self.query(
            f"""
            select score_rank, ticker, composite_score, raw_score, penalty_points,
                macro_multiplier, geo_multiplier, {components},
                risk_category, asset_class, regime, garch_vol_ann, beta,
                forecast_return, as_of_date
            from mart_latest_rankings where is_eligible order by score_rank
            """
        )

    def latest_penalties(self) -> pd.DataFrame:
        return self.query(
            """
            select ticker, penalty_code, points from mart_etf_penalties
            where as_of_date = (select max(as_of_date) from mart_etf_penalties)
            order by ticker, penalty_code
            """
        )

    def score_distribution(self) -> pd.DataFrame:
        return self.query(
            """
            select least(floor(composite_score / 10), 9) * 10 as score_band, count(*) as funds
            from mart_latest_rankings where is_eligible group by 1 order by 1
            """
        )

    def tickers(self) -> list[str]:
        return self.query("select ticker from dim_etfs order by ticker")["ticker"].tolist()

    def etf_profile(self, ticker: str) -> pd.DataFrame:
        return self.query("select * from dim_etfs where ticker = ?", [ticker])

    def etf_history(self, ticker: str) -> pd.DataFrame:
        return self.query(
            """
            select prices.date, prices.adj_close, rankings.garch_vol_ann, rankings.beta,
                rankings.composite_score
            from fct_daily_prices as prices
            left join mart_etf_rankings as rankings
                on prices.ticker = rankings.ticker and prices.date = rankings.as_of_date
            where prices.ticker = ? order by prices.date
            """,
            [ticker],
        )

    def etf_exposures(self, ticker: str) -> pd.DataFrame:
        return self.query(
            """
            select factor, loading, t_stat, r_squared, as_of_date from mart_factor_exposures
            where ticker = ? and as_of_date = (
                select max(as_of_date) from mart_factor_exposures where ticker = ?
            ) order by factor
            """,
            [ticker, ticker],
        )

    def portfolio(self) -> pd.DataFrame:
        return self.query(
            """
            select ticker, target_weight from mart_trade_list
            where target_weight > 0 order by target_weight desc
            """
        )

    def trade_list(self) -> pd.DataFrame:
        return self.query("select * from mart_trade_list order by abs(trade_value) desc")

    def backtest_summary(self) -> pd.DataFrame:
        return self.query("select * from mart_backtest_summary order by strategy")

    def equity_curves(self, strategies: list[str]) -> pd.DataFrame:
        return self.query(
            """
            select date, strategy, nav, drawdown from mart_backtest_daily
            where list_contains(?, strategy) order by date
            """,
            [strategies],
        )

    def signal_diagnostics(self, horizon: int) -> pd.DataFrame:
        return self.query(
            """
            select signal, mean_ic, ic_t_stat, ic_ir, hit_rate, top_minus_bottom_ann,
                top_quintile_turnover, n_dates
            from mart_signal_diagnostics
            where segment_type = 'overall' and horizon_sessions = ? order by mean_ic desc
            """,
            [horizon],
        )

    def signal_decay(self) -> pd.DataFrame:
        return self.query(
            """
            select signal, horizon_sessions, mean_ic from mart_signal_diagnostics
            where segment_type = 'overall' order by signal, horizon_sessions
            """
        )

    def signal_quintiles(self, signal: str, horizon: int) -> pd.DataFrame:
        frame = self.query(
            """
            select quintile_1_return_ann, quintile_2_return_ann, quintile_3_return_ann,
                quintile_4_return_ann, quintile_5_return_ann
            from mart_signal_diagnostics
            where segment_type = 'overall' and signal = ? and horizon_sessions = ?
            """,
            [signal, horizon],
        )
        if frame.empty:
            return pd.DataFrame({"quintile": [], "return_ann": []})
        return pd.DataFrame(
            {"quintile": [f"Q{k}" for k in range(1, 6)], "return_ann": frame.iloc[0].to_numpy()}
        )

    def signal_ic_history(self, signals: list[str], horizon: int, window: int) -> pd.DataFrame:
        """Each signal's rank IC by the date it became known, with its rolling mean."""
        return self.query(
            """
            select as_of_date, signal, rank_ic,
                avg(rank_ic) over (
                    partition by signal order by signal_date
                    rows between ? preceding and current row
                ) as rolling_mean_ic
            from mart_signal_ic
            where list_contains(?, signal) and horizon_sessions = ?
            order by as_of_date
            """,
            [window - 1, signals, horizon],
        )

    def stress_tests(self) -> pd.DataFrame:
        return self.query(
            """
            select scenario, scenario_type, coalesce(ticker, 'PORTFOLIO') as ticker,
                shocked_return, method, portfolio_weight
            from mart_stress_tests order by scenario, ticker nulls first
            """
        )

    def regimes(self) -> pd.DataFrame:
        return self.query("select * from mart_regimes order by date")

    def market_context(self) -> pd.DataFrame:
        return self.query(
            """
            select as_of_date, avg(rate_pressure) as rate_pressure,
                avg(credit_pressure) as credit_pressure, avg(geo_pressure) as geo_pressure,
                avg(macro_multiplier) as mean_macro_multiplier,
                avg(geo_multiplier) as mean_geo_multiplier
            from mart_etf_rankings where is_eligible group by as_of_date order by as_of_date
            """
        )

    def macro_state(self) -> pd.DataFrame:
        """The pressures of every region over time (mart_macro_state), long: one row a day and
        line ("GLOBAL rate", "AU rate", ...)."""
        return self.query(
            """
            select date, region || ' ' || kind as line, pressure from (
                unpivot (
                    select date, region, rate_pressure as rate, credit_pressure as credit,
                        geo_pressure as geo
                    from mart_macro_state
                ) on rate, credit, geo into name kind value pressure
            ) order by date, line
            """
        )

    def macro_latest(self) -> pd.DataFrame:
        """Each region's series, values and statuses on the latest day of mart_macro_state."""
        return self.query(
            """
            select region, rate_series, rate_value, rate_status, credit_series, credit_value,
                credit_status, geo_series, geo_value, geo_status, date
            from mart_macro_state
            qualify date = max(date) over ()
            order by region = 'GLOBAL' desc, region
            """
        )

    def context_notes(self) -> pd.DataFrame:
        """Why today's multipliers are neutral where they are (mart_latest_rankings)."""
        return self.query(
            """
            select market_context_note as note, count(*) as funds
            from mart_latest_rankings where market_context_note is not null
            group by all order by funds desc
            """
        )

    def data_quality(self) -> pd.DataFrame:
        return self.query(
            """
            select check_name, severity, count(*) as results, sum(rows_affected) as rows_affected
            from mart_data_quality group by all order by results desc
            """
        )

    # --- v2: rankings with filters, the fund page, backtest, forecasts, quality drill-down --
    def rankings_table(self) -> pd.DataFrame:
        """Every live fund on the latest date with its region and, when eligible, its rank
        within its asset class beside the overall one."""
        components = ", ".join(f'r."{c}"' for c in self.component_columns())
        weights = ", ".join(f'r."weight_{c[6:]}"' for c in self.component_columns())
        return self.query(
            f"""
            select r.score_rank, case when r.is_eligible then rank() over (
                    partition by r.asset_class, r.is_eligible order by r.composite_score desc
                ) end as rank_in_class,
                r.ticker, e.etf_name, r.asset_class, e.region, r.risk_category, r.is_eligible,
                r.exclusion_reason, r.composite_score, r.raw_score, r.penalty_points,
                r.macro_multiplier, r.geo_multiplier, {components}, {weights}, r.as_of_date
            from mart_latest_rankings as r
            left join dim_etfs as e on r.ticker = e.ticker
            order by r.score_rank nulls last, r.ticker
            """
        )

    def top_ticker(self) -> str | None:
        frame = self.query("select ticker from mart_latest_rankings where score_rank = 1")
        return None if frame.empty else str(frame["ticker"].iloc[0])

    def fund_latest(self, ticker: str) -> pd.DataFrame:
        return self.query("select * from mart_latest_rankings where ticker = ?", [ticker])

    def fund_penalties(self, ticker: str) -> pd.DataFrame:
        return self.query(
            """
            select penalty_code, points, metric, metric_value, comparison, threshold, description
            from mart_etf_penalties
            where ticker = ? and as_of_date = (select max(as_of_date) from mart_latest_rankings)
            order by points desc
            """,
            [ticker],
        )

    def fund_history(self, ticker: str) -> pd.DataFrame:
        """Daily: total-return index, its drawdown, GARCH vol, beta, composite score, rank."""
        return self.query(
            """
            select p.date, p.adj_close,
                p.adj_close / max(p.adj_close) over (order by p.date) - 1 as drawdown,
                r.garch_vol_ann, r.beta, r.composite_score, r.score_rank
            from fct_daily_prices as p
            left join mart_etf_rankings as r on p.ticker = r.ticker and p.date = r.as_of_date
            where p.ticker = ? order by p.date
            """,
            [ticker],
        )

    def fund_loadings(self, ticker: str) -> pd.DataFrame:
        return self.query(
            """
            select as_of_date, factor, loading, t_stat from mart_factor_exposures
            where ticker = ? order by as_of_date, factor
            """,
            [ticker],
        )

    def fund_actions(self, ticker: str) -> pd.DataFrame:
        return self.query(
            """
            select date, action_type, ratio, amount, source, is_applied, not_applied_reason,
                detail
            from fct_corporate_actions where ticker = ? order by date
            """,
            [ticker],
        )

    def fund_quarantine(self, ticker: str) -> pd.DataFrame:
        return self.query(
            """
            select date, reason, reason_detail, close, source_file, source_line
            from fct_price_quarantine where ticker = ? order by date
            """,
            [ticker],
        )

    def strategy_navs(self) -> pd.DataFrame:
        """Every strategy's net NAV and drawdown, at month ends (enough for a 20-year chart)."""
        return self.query(
            """
            select strategy, date, nav, drawdown from mart_backtest_daily
            qualify date = max(date) over (partition by strategy, date_trunc('month', date))
            order by strategy, date
            """
        )

    def rolling_sharpe(self, sessions: int = 252) -> pd.DataFrame:
        """Annualised Sharpe of net returns over the last ``sessions`` sessions, at month
        ends (no risk-free deduction: a reading aid, not the summary's Sharpe)."""
        return self.query(
            """
            select strategy, date, rolling_sharpe from (
                select strategy, date,
                    avg(net_return) over w / nullif(stddev_samp(net_return) over w, 0)
                        * sqrt(252) as rolling_sharpe,
                    count(net_return) over w as n
                from mart_backtest_daily
                window w as (partition by strategy order by date
                    rows between ? preceding and current row)
            )
            where n = ?
            qualify date = max(date) over (partition by strategy, date_trunc('month', date))
            order by strategy, date
            """,
            [sessions - 1, sessions],
        )

    def monthly_returns(self, strategy: str) -> pd.DataFrame:
        return self.query(
            """
            select year(date) as year, month(date) as month,
                product(1 + net_return) - 1 as net_return
            from mart_backtest_daily where strategy = ? and net_return is not null
            group by all order by year, month
            """,
            [strategy],
        )

    def drawdown_periods(self, strategy: str, top: int = 5) -> pd.DataFrame:
        """The deepest peak-to-recovery drawdowns of a strategy's net NAV."""
        return self.query(
            """
            with marked as (
                select date, drawdown,
                    sum(case when drawdown = 0 then 1 else 0 end) over (order by date) as episode
                from mart_backtest_daily where strategy = ?
            )
            select min(date) as peak, arg_min(date, drawdown) as trough,
                max(date) as last_day_under_water, min(drawdown) as depth,
                count(*) - 1 as sessions_under_water,
                -- an episode running to the last date has not recovered
                max(date) < (select max(date) from mart_backtest_daily where strategy = ?)
                    as recovered
            from marked group by episode having min(drawdown) < 0
            order by depth limit ?
            """,
            [strategy, strategy, top],
        )

    def forecast_diagnostics(self) -> pd.DataFrame:
        return self.query("select * from mart_forecast_diagnostics order by model_date, member")

    def quality_rows(self, check_name: str) -> pd.DataFrame:
        return self.query(
            """
            select severity, ticker, date, rows_affected, detail from mart_data_quality
            where check_name = ? order by date nulls first, ticker
            """,
            [check_name],
        )

    def newest_price(self) -> pd.DataFrame:
        """The newest price date and how old it is when the snapshot was published."""
        return self.query(
            """
            select max(p.date) as newest_price_date,
                (select max(published_at) from _snapshot)::date - max(p.date) as age_days
            from fct_daily_prices as p
            """
        )


def waterfall(latest: pd.Series, penalties: pd.DataFrame, components: list[str]) -> pd.DataFrame:
    """The steps from a fund's component scores to its composite score, each with the value it
    adds (``delta``) and the running total before and after (``start``, ``end``):

    each component's weight x score (their sum is ``weighted_score``); the day's percentile
    transform to ``raw_score``; minus each itemised penalty, then back the part the 30-point
    cap forgives; times the macro and the geo multiplier (``adjusted_score``); the day's
    percentile transform to ``composite_score``. The deltas sum to the composite exactly.
    """
    steps: list[tuple[str, float]] = []
    for column in components:
        name = column.removeprefix("score_")
        steps.append(
            (
                f"{name} ({latest[f'weight_{name}']:.2f} x {latest[column]:.1f})",
                float(latest[f"weight_{name}"] * latest[column]),
            )
        )
    steps.append(
        ("to percentile (raw score)", float(latest["raw_score"] - latest["weighted_score"]))
    )
    for _, penalty in penalties.iterrows():
        steps.append((f"penalty {penalty['penalty_code']}", -float(penalty["points"])))
    forgiven = (
        float(penalties["points"].sum() - latest["penalty_points"]) if len(penalties) else 0.0
    )
    if abs(forgiven) > 1e-12:
        steps.append(("penalty cap", forgiven))
    after_penalties = float(latest["raw_score"] - latest["penalty_points"])
    after_macro = after_penalties * float(latest["macro_multiplier"])
    steps.append((f"x macro {latest['macro_multiplier']:.3f}", after_macro - after_penalties))
    steps.append(
        (f"x geo {latest['geo_multiplier']:.3f}", float(latest["adjusted_score"]) - after_macro)
    )
    steps.append(
        ("to percentile (composite)", float(latest["composite_score"] - latest["adjusted_score"]))
    )
    frame = pd.DataFrame(steps, columns=["step", "delta"])
    frame["end"] = frame["delta"].cumsum()
    frame["start"] = frame["end"] - frame["delta"]
    frame["order"] = range(len(frame))
    total = pd.DataFrame(
        [
            {
                "step": "composite score",
                "delta": float(latest["composite_score"]),
                "start": 0.0,
                "end": float(latest["composite_score"]),
                "order": len(frame),
            }
        ]
    )
    return pd.concat([frame, total], ignore_index=True)
