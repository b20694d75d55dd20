"""A live refresh decides only the new rows of the cleaning models, from each fund's context and
carried running values; these tests plant what the context must reach and compare the refreshed
cleaning tables with a full build of the same files, row for row.

Planted across the cut between the history and three landed batches: an unrecorded split in
the history (the cumulative split ratio carried) and one in the last batch; a bad close in the
first batch and a run of 96 bad closes up to the second (the last close inside its bar lies
outside the usual 70-row context); a thin fund that does not trade for 146 rows up to the second
batch (its last traded row too); a fund first listed in a landed batch; in the first batch a
copy of a day 44 rows before the cut (that refresh goes back to it), in the last a row whose
date does not parse.

The same refreshes run the models that now read only the newest rows and their context:
the trading calendar and the market's median return, and the funds' classes from their first
returns (no metadata here, so every class is inferred). YOUNG lists 45 rows into the history, so
its first 252 returns (asset_class_inference_sessions) end in the second batch: a refresh
classifies it, from the returns of its early dates; NEWFUND stays pending.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from etf_warehouse.compare import compare_tables
from tests.e2e.dbt_runner import dbt_build

pytestmark = pytest.mark.e2e

N_DAYS = 300
CUT = 294  # rows 0..293 are the history; 294..299 land in three batches
YOUNG_FIRST_ROW = 45  # its 252nd return is row 297, in the second batch
SELECT = (
    "+int_prices_adjusted +int_corporate_actions_applied +int_etfs_classified"
    " +int_benchmark_returns"
)
CLEANING_TABLES = [
    "int_prices_parsed",
    "int_prices_repeated_days",
    "int_prices_decisions",
    "int_prices_validated",
    "int_prices_adjusted",
    "int_corporate_actions_applied",
    "int_trading_calendar",
    "int_benchmark_returns",
    "int_etfs_classified",
]


def _days(n: int) -> list[dt.date]:
    out, day = [], dt.date(2021, 1, 4)
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def _fund(rng: np.random.Generator, start: float = 50.0) -> dict[str, np.ndarray]:
    close = start * np.exp(np.cumsum(rng.normal(0.0002, 0.012, N_DAYS)))
    prev = np.concatenate([[close[0]], close[:-1]])
    open_ = prev * np.exp(rng.normal(0, 0.003, N_DAYS))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.004, N_DAYS)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.004, N_DAYS)))
    volume = np.round(rng.uniform(5e4, 1.5e5, N_DAYS))
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume}


def _split(bars: dict, t: int, ratio: float) -> None:
    for key in ("open", "high", "low", "close"):
        bars[key][t:] = bars[key][t:] / ratio
    bars["volume"][t:] = np.round(bars["volume"][t:] * ratio)


def _universe() -> dict[str, dict[str, np.ndarray]]:
    rng = np.random.default_rng(20261204)
    funds = {name: _fund(rng) for name in ("PLAIN", "SPLITOLD", "SPLITNEW", "BADNEW", "BADRUN")}
    funds["THIN"] = _fund(rng)
    funds["DUP"] = _fund(rng)
    _split(funds["SPLITOLD"], 150, 0.25)  # a 1:4 consolidation in the history
    _split(funds["SPLITNEW"], 298, 2.0)  # a 2:1 split in the third batch
    funds["BADNEW"]["close"][295] *= 100.0  # a bad close in the first batch
    funds["BADRUN"]["close"][200:296] *= 10.0  # 96 bad closes, each outside its bar
    thin = funds["THIN"]  # no trades from row 150 to the first batch: the last close as the bar
    for key in ("open", "high", "low", "close"):
        thin[key][150:296] = thin["close"][149]
    thin["volume"][150:296] = 0
    return funds


def _young() -> dict[str, dict[str, np.ndarray]]:
    """A fund first listed YOUNG_FIRST_ROW rows into the history (rows before it unused)."""
    return {"YOUNG": _fund(np.random.default_rng(11), 30.0)}


def _rows(funds: dict, index: range, days: list[dt.date]) -> list[str]:
    lines = []
    for t in index:
        for ticker, bars in funds.items():
            if ticker == "YOUNG" and t < YOUNG_FIRST_ROW:
                continue
            values = ",".join(f"{bars[k][t]:.4f}" for k in ("open", "high", "low", "close"))
            lines.append(f"{days[t]},{ticker},{values},{int(bars['volume'][t])}")
    return lines


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("date,ticker,open,high,low,close,volume\n" + "\n".join(lines) + "\n")


def _batches(folder: Path) -> list[Path]:
    """Write the history into ``folder``; return the three batches' files, not yet landed."""
    days = _days(N_DAYS)
    funds = {**_universe(), **_young()}
    newcomer = {"NEWFUND": _fund(np.random.default_rng(7), 20.0)}
    folder.mkdir(parents=True)
    _write(folder / "a-history.csv", _rows(funds, range(CUT), days))
    held = folder.parent / "held"
    held.mkdir()
    dup = funds["DUP"]
    landed = [
        _rows(funds, range(294, 296), days)
        + _rows(newcomer, range(295, 296), days)
        # a second copy of a day 44 rows before the cut, with another close
        + [
            f"{days[250]},DUP,{dup['open'][250]:.4f},{dup['high'][250] * 1.01:.4f},"
            f"{dup['low'][250]:.4f},{dup['close'][250] * 1.005:.4f},1000"
        ],
        _rows(funds, range(296, 298), days) + _rows(newcomer, range(296, 298), days),
        _rows(funds, range(298, 300), days)
        + _rows(newcomer, range(298, 300), days)
        + ["2021-13-45,PLAIN,50,51,49,50,1000"],  # a date that does not parse
    ]
    paths = []
    for k, lines in enumerate(landed, 1):
        _write(held / f"b-batch-{k}.csv", lines)
        paths.append(held / f"b-batch-{k}.csv")
    return paths


@pytest.fixture(scope="module")
def refreshed_and_rebuilt(tmp_path_factory):
    root = tmp_path_factory.mktemp("live_cleaning")
    folder = root / "prices"
    batches = _batches(folder)
    dbt_vars = {"prices_path": str(folder / "*.csv"), "prices_format": "long"}
    live = root / "live"
    # with the settings the refreshes are checked against (build_settings)
    dbt_build(live, dbt_vars, select=f"{SELECT} build_settings", cautious=True)
    for batch in batches:
        batch.rename(folder / batch.name)
        # as etfw live refreshes: `dbt run` (a live refresh's unit tests would need its window)
        dbt_build(live, {**dbt_vars, "live_refresh": True}, select=SELECT, command="run")
    rebuilt = root / "rebuilt"
    dbt_build(rebuilt, dbt_vars, select=SELECT, cautious=True)
    return live / "warehouse.duckdb", rebuilt / "warehouse.duckdb"


def test_the_refreshed_cleaning_tables_equal_a_full_build(refreshed_and_rebuilt):
    live, rebuilt = refreshed_and_rebuilt
    report = compare_tables(live, rebuilt, CLEANING_TABLES)
    assert sorted(report["compared"]) == sorted(CLEANING_TABLES)
    assert report["differing"] == {}


def test_the_planted_events_were_decided_as_planted(refreshed_and_rebuilt):
    import duckdb

    live, _ = refreshed_and_rebuilt
    with duckdb.connect(str(live), read_only=True) as con:
        actions = con.sql(
            "select ticker, ratio from int_corporate_actions_applied where source = 'detected'"
            " order by ticker"
        ).fetchall()
        quarantined = dict(
            con.sql(
                "select ticker, count(*) from int_prices_validated"
                " where quarantine_reason is not null group by ticker"
            ).fetchall()
        )
    assert actions == [("SPLITNEW", 2.0), ("SPLITOLD", 0.25)]
    assert quarantined.get("BADRUN") == 96 and quarantined.get("BADNEW") == 1
    assert quarantined.get("DUP") == 1 and quarantined.get("PLAIN") == 1  # the copy, the date


def test_a_refresh_classified_the_fund_whose_early_returns_it_completed(refreshed_and_rebuilt):
    import duckdb

    live, _ = refreshed_and_rebuilt
    days = _days(N_DAYS)
    with duckdb.connect(str(live), read_only=True) as con:
        rows = con.sql(
            "select ticker, inference_method, inferred_as_of_date, last_date"
            " from int_etfs_classified where ticker in ('YOUNG', 'NEWFUND') order by ticker"
        ).fetchall()
    assert rows == [
        ("NEWFUND", "pending_history", None, days[299]),
        ("YOUNG", "return_behaviour", days[YOUNG_FIRST_ROW + 252], days[299]),
    ]
