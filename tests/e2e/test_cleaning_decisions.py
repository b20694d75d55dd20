"""Cleaning decisions on planted events: splits found on evidence, genuine moves kept, bad ticks
quarantined with no cascade, all point-in-time (issue 16's cases, end to end through dbt)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from tests.e2e.dbt_runner import DbtResult, dbt_build

pytestmark = pytest.mark.e2e

HEADER = "Date,Open,High,Low,Close,Volume,OpenInt"
N_DAYS = 320
EVENT = 300  # the planted event's row (0-based)
SELECT = "+fct_daily_prices +fct_price_quarantine +fct_corporate_actions +mart_data_quality"


def _days(n: int) -> list[dt.date]:
    out, day = [], dt.date(2019, 1, 1)
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


DAYS = _days(N_DAYS)


def _bars(seed: int, vol: float = 0.012) -> dict[str, np.ndarray]:
    """An ordinary fund: t(4) returns, bars around them, noisy volume."""
    rng = np.random.default_rng(seed)
    ret = np.clip(vol * rng.standard_t(4, N_DAYS) / np.sqrt(2), -0.2, 0.2)
    close = 40.0 * np.exp(np.cumsum(np.log1p(ret)))
    prev = np.concatenate([[close[0]], close[:-1]])
    open_ = prev * np.exp(0.3 * np.log(close / prev))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.4 * vol, N_DAYS)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.4 * vol, N_DAYS)))
    volume = np.round(50_000 * np.exp(rng.normal(0, 0.3, N_DAYS)))
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume}


def _genuine(bars: dict, move: float, *, gap: bool, range_share: float, surge: float) -> None:
    """Day EVENT moves by ``move`` and the fund stays there."""
    t = EVENT
    prev = bars["close"][t - 1]
    new = prev * (1 + move)
    scale = new / bars["close"][t]
    for key in ("open", "high", "low", "close"):
        bars[key][t:] *= scale
    open_ = new * 1.01 if gap else prev
    excursion = range_share * abs(np.log1p(move))
    bars["open"][t], bars["close"][t] = open_, new
    bars["high"][t] = max(open_, new) * np.exp(excursion / 2)
    bars["low"][t] = min(open_, new) * np.exp(-excursion / 2)
    bars["volume"][t] *= surge


def _unadjusted(bars: dict, ratio: float, day_move: float = 0.0) -> None:
    """An unrecorded split (ratio > 1) or consolidation (< 1) on day EVENT."""
    t = EVENT
    if day_move:
        bars["close"][t:] *= 1 + day_move
        for key in ("open", "high", "low"):
            bars[key][t + 1 :] *= 1 + day_move
    for key in ("open", "high", "low", "close"):
        bars[key][t:] /= ratio
    bars["volume"][t:] = np.round(bars["volume"][t:] * ratio)


def _write(path: Path, bars: dict) -> None:
    lines = [HEADER]
    for i, day in enumerate(DAYS):
        o, h, lo, c = (bars[k][i] for k in ("open", "high", "low", "close"))
        if i != bars.get("bad_close_at"):  # a bad close stays outside its own bar
            h, lo = max(h, o, c), min(lo, o, c)
        lines.append(f"{day:%Y%m%d},{o:.4f},{h:.4f},{lo:.4f},{c:.4f},{int(bars['volume'][i])},0")
    path.write_text("\n".join(lines) + "\n")


def _bad_close(bars: dict, factor: float) -> None:
    """Only the close of day EVENT is wrong; open, high and low are right."""
    bars["close"][EVENT] *= factor
    bars["bad_close_at"] = EVENT


def _universe(folder: Path) -> dict[str, float]:
    """Write one file per planted case; return each ticker's true return on day EVENT (for a bad
    tick: from the day before it to the day after)."""
    folder.mkdir(parents=True, exist_ok=True)
    truth: dict[str, float] = {}

    def fund(ticker: str, seed: int, plant, true_return) -> None:
        bars = _bars(seed)
        before = bars["close"].copy()
        plant(bars)
        _write(folder / f"{ticker.lower()}.us.txt", bars)
        truth[ticker] = true_return(before, bars)

    next_day = lambda b, _: b[EVENT + 1] / b[EVENT - 1] - 1  # noqa: E731
    fund("CLEAN", 1, lambda b: None, lambda b, _: b[EVENT] / b[EVENT - 1] - 1)
    fund("XCLOSE", 2, lambda b: _bad_close(b, 100.0), next_day)  # issue 16 finding 2
    fund("DCLOSE", 3, lambda b: _bad_close(b, 0.01), next_day)

    def whole_row_x100(b: dict) -> None:
        for key in ("open", "high", "low", "close"):
            b[key][EVENT] *= 100.0

    fund("XROW", 4, whole_row_x100, next_day)
    fund(
        "CRASH50",
        5,
        lambda b: _genuine(b, -0.50, gap=True, range_share=0.3, surge=6.0),
        lambda *_: -0.50,
    )
    fund(
        "CRASH84",
        6,
        lambda b: _genuine(b, -0.84, gap=False, range_share=0.2, surge=8.0),
        lambda *_: -0.84,
    )
    fund(
        "SPIKE95",
        7,
        lambda b: _genuine(b, 0.95, gap=True, range_share=0.3, surge=5.0),
        lambda *_: 0.95,
    )
    # the SNAS.AX case: 1.22 -> 25.10, a 1:20 consolidation on a day the fund also rose 3 %
    fund(
        "CONSOL",
        8,
        lambda b: _unadjusted(b, 1 / 20, day_move=0.03),
        lambda b, _: b[EVENT] * 1.03 / b[EVENT - 1] - 1,
    )
    fund("SPLIT", 9, lambda b: _unadjusted(b, 2.0), lambda b, _: b[EVENT] / b[EVENT - 1] - 1)
    return truth


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[DbtResult, dict[str, float], Path]:
    root = tmp_path_factory.mktemp("planted")
    truth = _universe(root / "prices")
    dbt_vars = {"prices_path": str(root / "prices" / "*.txt"), "prices_format": "stooq"}
    return dbt_build(root / "build", dbt_vars, select=SELECT, cautious=True), truth, root


def _return_on(build: DbtResult, ticker: str, day: dt.date) -> float | None:
    rows = build.query(
        f"select daily_return from fct_daily_prices where ticker = '{ticker}' and date = '{day}'"
    )
    return rows[0][0] if rows else None


def _quarantined(build: DbtResult, ticker: str) -> list[dt.date]:
    return [
        d
        for (d,) in build.query(f"select date from fct_price_quarantine where ticker = '{ticker}'")
    ]


def _actions(build: DbtResult, ticker: str) -> list[tuple]:
    return build.query(
        "select date, action_type, ratio from fct_corporate_actions"
        f" where ticker = '{ticker}' and source = 'detected'"
    )


@pytest.mark.parametrize("ticker", ["XCLOSE", "DCLOSE", "XROW"])
def test_a_bad_tick_is_quarantined_alone_and_the_next_day_keeps_its_true_return(planted, ticker):
    build, truth, _ = planted
    assert _quarantined(build, ticker) == [DAYS[EVENT]]
    assert _actions(build, ticker) == []  # no fake split after it: no cascade
    assert _return_on(build, ticker, DAYS[EVENT + 1]) == pytest.approx(truth[ticker], abs=1e-3)
    (worst,) = build.query(
        f"select max(abs(daily_return)) from fct_daily_prices where ticker = '{ticker}'"
    )[0]
    assert worst < 0.25


@pytest.mark.parametrize("ticker", ["CRASH50", "CRASH84", "SPIKE95"])
def test_a_genuine_move_is_a_return_on_its_own_day(planted, ticker):
    build, truth, _ = planted
    assert _quarantined(build, ticker) == []
    assert _actions(build, ticker) == []
    assert _return_on(build, ticker, DAYS[EVENT]) == pytest.approx(truth[ticker], abs=1e-3)
    # each move is near a ratio (2, 6 and 1/2): the evidence that kept it is in the report
    ((detail,),) = build.query(
        "select detail from mart_data_quality"
        f" where ticker = '{ticker}' and check_name = 'large_move_kept'"
    )
    assert detail.startswith("kept as a return, not a split")


@pytest.mark.parametrize(
    ("ticker", "action", "ratio"), [("CONSOL", "consolidation", 0.05), ("SPLIT", "split", 2.0)]
)
def test_an_unrecorded_split_is_found_on_evidence(planted, ticker, action, ratio):
    build, truth, _ = planted
    assert _actions(build, ticker) == [(DAYS[EVENT], action, ratio)]
    assert _return_on(build, ticker, DAYS[EVENT]) == pytest.approx(truth[ticker], abs=1e-3)
    ((detail,),) = build.query(
        f"select detail from fct_corporate_actions where ticker = '{ticker}'"
    )
    assert "open/high/low" in detail and "volume" in detail  # the evidence is readable


def test_clean_fund_is_untouched(planted):
    build, _, _ = planted
    assert _quarantined(build, "CLEAN") == [] and _actions(build, "CLEAN") == []


def test_decisions_are_point_in_time(planted, tmp_path):
    """Cut every file right after the whole-row bad tick and right after the split: nothing
    dated on or before the cut changes."""
    build, _, root = planted
    cut = DAYS[EVENT + 1]
    short = tmp_path / "prices"
    short.mkdir()
    for path in (root / "prices").glob("*.txt"):
        lines = path.read_text().splitlines()
        kept = [lines[0]] + [line for line in lines[1:] if line[:8] <= f"{cut:%Y%m%d}"]
        (short / path.name).write_text("\n".join(kept) + "\n")
    dbt_vars = {"prices_path": str(short / "*.txt"), "prices_format": "stooq"}
    truncated = dbt_build(tmp_path / "build", dbt_vars, select=SELECT, cautious=True)
    columns = "ticker, date, open, high, low, close, volume, adj_close, daily_return"
    query = f"select {columns} from fct_daily_prices where date <= '{cut}' order by ticker, date"
    assert truncated.query(query) == build.query(query)
    for table, files in (("fct_price_quarantine", "source_file"), ("fct_corporate_actions", "")):
        exclude = f" exclude ({files})" if files else ""  # the two builds read other folders
        q = f"select *{exclude} from {table} where date <= '{cut}' order by all"
        assert truncated.query(q) == build.query(q)
