"""``etfw daily`` end to end, offline: responses shaped like ``yfinance.download`` are served
from a synthetic market (made up here, not market data) whose "today" the test moves.

Like Yahoo, each response's ``Adj Close`` is adjusted backwards from that response's own
today, so a distribution going ex on a new day rebases every earlier adjusted close: the daily
run must chain the new days onto the stored ones for the total return to be right.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etf_warehouse.live.daily import run_daily

pytestmark = pytest.mark.e2e

TICKERS = [f"F{i:02d}" for i in range(12)]
DAYS = pd.bdate_range("2020-01-06", periods=1000)  # the forecaster needs 2 years
EX_DAY = DAYS[-2]  # F00's distribution goes ex on the first day a later run lands
DIVIDEND = 1.5


def market() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(20261204)
    out = {}
    for k, ticker in enumerate(TICKERS):
        drift = 0.0002 * (k - 6)
        close = 50.0 * np.exp(np.cumsum(rng.normal(drift, 0.01, len(DAYS))))
        if ticker == "F00":
            close[-2:] -= DIVIDEND  # the price falls by the distribution on its ex-day
        spread = np.abs(rng.normal(0, 0.004, len(DAYS))) * close
        out[ticker] = pd.DataFrame(
            {
                "Open": close * (1 + rng.normal(0, 0.002, len(DAYS))),
                "High": close + spread + 0.01,
                "Low": close - spread - 0.01,
                "Close": close,
                "Volume": rng.integers(50_000, 200_000, len(DAYS)).astype(float),
            },
            index=DAYS,
        )
    return out


class RecordedYahoo:
    """``fetch(ticker, start, end)`` answering as Yahoo would on ``today``."""

    def __init__(self) -> None:
        self.bars = market()
        self.today = DAYS[-3]
        self.calls: list[tuple[str, str | None]] = []

    def __call__(self, ticker: str, start: str | None, end: str | None) -> pd.DataFrame:
        self.calls.append((ticker, start))
        bars = self.bars[ticker].loc[lambda f: f.index >= pd.Timestamp(start)]
        bars = bars.loc[bars.index <= self.today].copy()
        factor = pd.Series(1.0, index=bars.index)
        if ticker == "F00" and self.today >= EX_DAY:
            before = self.bars[ticker]["Close"].shift(1).loc[EX_DAY]
            factor.loc[factor.index < EX_DAY] = 1 - DIVIDEND / before
        bars["Adj Close"] = bars["Close"] * factor
        frame = bars[["Adj Close", "Close", "High", "Low", "Open", "Volume"]]
        frame.columns = pd.MultiIndex.from_product([frame.columns, [ticker]])
        frame.index = frame.index.tz_localize("America/New_York").rename("Date")
        return frame


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    work = tmp_path_factory.mktemp("daily")
    universe = work / "universe.csv"
    pd.DataFrame(
        {"ticker": TICKERS, "name": [f"Fund {t}" for t in TICKERS], "asset_class": "equity"}
    ).to_csv(universe, index=False)
    yahoo = RecordedYahoo()
    kwargs = dict(
        snapshot=work / "published" / "snapshot.duckdb",
        start=DAYS[0].date(),
        fetch=yahoo,
        echo=print,
    )
    landing, warehouse = work / "landing", work / "warehouse.duckdb"
    results = [run_daily(universe, landing, warehouse, **kwargs)]
    results.append(run_daily(universe, landing, warehouse, **kwargs))  # same day again
    yahoo.today = DAYS[-1]  # two sessions later
    results.append(run_daily(universe, landing, warehouse, **kwargs))
    results.append(run_daily(universe, landing, warehouse, **kwargs))
    return work, yahoo, results


def test_first_run_builds_the_history_and_publishes(runs):
    work, _, results = runs
    first = results[0]
    assert first.built == "full build"
    assert first.new_rows == len(TICKERS) * (len(DAYS) - 2)
    assert first.latest_date == f"{DAYS[-3]:%Y-%m-%d}"
    assert (work / "published" / "snapshot.duckdb").exists()


def test_running_again_the_same_day_finds_nothing_new(runs):
    work, _, results = runs
    assert (results[1].built, results[1].new_rows, results[1].landed) == ("nothing new", 0, None)
    assert results[1].latest_date == results[0].latest_date
    assert (results[3].built, results[3].new_rows) == ("nothing new", 0)
    assert len(list((work / "landing").glob("*.csv"))) == 2


def test_a_later_day_lands_only_new_rows_refreshes_and_reports(runs):
    _, yahoo, results = runs
    later = results[2]
    assert later.built == "refresh"
    assert later.new_rows == 2 * len(TICKERS)
    assert later.landed.name == f"yahoo-{DAYS[-2]:%Y-%m-%d}_{DAYS[-1]:%Y-%m-%d}.csv"
    assert later.latest_date == f"{DAYS[-1]:%Y-%m-%d}"
    assert later.changes[0] == f"rankings as of {DAYS[-1]:%Y-%m-%d}"
    assert later.changes[2].startswith("sized top-N: ")
    # later runs download from a few days before each fund's last stored day only
    assert all(start >= f"{DAYS[-14]:%Y-%m-%d}" for _, start in yahoo.calls[-len(TICKERS) :])


def test_a_distribution_on_a_new_day_is_a_total_return(runs):
    """Chained adjusted closes: the ex-day's return adds the distribution back."""
    import duckdb

    work, yahoo, _ = runs
    with duckdb.connect(str(work / "warehouse.duckdb"), read_only=True) as con:
        ((stored,),) = con.execute(
            "select daily_return from fct_daily_prices where ticker = 'F00' and date = ?",
            [EX_DAY.date()],
        ).fetchall()
    close = yahoo.bars["F00"]["Close"]
    # the total return Yahoo's adjusted closes imply (its factor 1 - D / previous close)
    total = close.loc[EX_DAY] / (close.shift(1).loc[EX_DAY] - DIVIDEND) - 1
    price_only = close.loc[EX_DAY] / close.shift(1).loc[EX_DAY] - 1
    assert stored == pytest.approx(total, abs=2e-6)
    assert abs(stored - price_only) > 0.01
