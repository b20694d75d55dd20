"""The independent universe generator (benchmarks/independent_universe.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
from glob import glob
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "independent_universe.py"
STOOQ_COLUMNS = ["Date", "Open", "High", "Low", "Close", "Volume", "OpenInt"]
UNIVERSE_COLUMNS = ["ticker", "name", "asset_class", "sub_class", "region", "currency", "leverage"]
ASSET_CLASSES = {"equity", "fixed_income", "commodity", "real_estate", "currency", "volatility"}


def _load_module():
    spec = importlib.util.spec_from_file_location("independent_universe", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


iu = _load_module()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return iu.generate(tmp_path_factory.mktemp("small"), n_etfs=12, years=2, seed=7)


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """Enough funds for the shares (leveraged, thin, left out of universe.csv) to show."""
    return iu.generate(tmp_path_factory.mktemp("wide"), n_etfs=60, years=1, seed=7)


def price_files(summary) -> list[Path]:
    return sorted((summary.out / "prices").glob("*.us.txt"))


def read_prices(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"Date": str})


@pytest.mark.parametrize("which", ["small", "wide"])
def test_price_files_are_clean_stooq(which, request):
    summary = request.getfixturevalue(which)
    files = price_files(summary)
    assert len(files) == summary.n_files
    n_rows = 0
    for path in files:
        prices = read_prices(path)
        assert list(prices.columns) == STOOQ_COLUMNS
        assert path.read_text().startswith("Date,Open,High,Low,Close,Volume,OpenInt\n")
        dates = pd.to_datetime(prices["Date"], format="%Y%m%d")
        assert dates.is_monotonic_increasing and dates.is_unique
        assert (dates.dt.day_of_week < 5).all()
        ohlc = prices[["Open", "High", "Low", "Close"]]
        assert (ohlc > 0).all().all()
        assert (ohlc.round(4) == ohlc).all().all()  # at most four decimals
        assert (prices["Low"] <= prices[["Open", "Close"]].min(axis=1)).all()
        assert (prices["High"] >= prices[["Open", "Close"]].max(axis=1)).all()
        assert pd.api.types.is_integer_dtype(prices["Volume"]) and (prices["Volume"] >= 0).all()
        assert (prices["OpenInt"] == 0).all()
        assert prices["Volume"].iloc[0] > 0  # a listing starts with a trade
        stale = prices.index[prices["Volume"] == 0]
        if len(stale):  # zero-volume days repeat the previous row's close
            previous_close = prices["Close"].shift(1).loc[stale]
            for column in ("Open", "High", "Low", "Close"):
                assert (prices.loc[stale, column] == previous_close).all()
        n_rows += len(prices)
    assert n_rows == summary.n_rows


def test_calendar_skips_weekends_and_holidays(small):
    days = iu.trading_days("2025-12-31", 2)
    assert days[-1] == pd.Timestamp("2025-12-31")
    assert 500 <= len(days) <= 510
    for holiday in ("2025-01-01", "2025-04-18", "2025-07-04", "2025-11-27", "2025-12-25"):
        assert pd.Timestamp(holiday) not in days
    listed = small.funds.loc[~small.funds["delisted"]]
    for ticker in listed["ticker"]:
        last = read_prices(small.out / "prices" / f"{ticker.lower()}.us.txt")["Date"].iloc[-1]
        assert last == "20251231"


def test_universe_file(small, wide):
    for summary in (small, wide):
        universe = pd.read_csv(summary.out / "universe.csv", keep_default_na=False)
        assert list(universe.columns) == UNIVERSE_COLUMNS
        assert universe["ticker"].is_unique
        assert universe["ticker"].str.fullmatch(r"[A-Z]{2,5}").all()
        assert set(universe["asset_class"]) <= ASSET_CLASSES
        assert (universe["currency"] == "USD").all()
        file_tickers = {p.name.removesuffix(".us.txt").upper() for p in price_files(summary)}
        assert set(universe["ticker"]) <= file_tickers
    universe = pd.read_csv(wide.out / "universe.csv", keep_default_na=False)
    file_tickers = {p.name.removesuffix(".us.txt").upper() for p in price_files(wide)}
    assert 0 < len(file_tickers - set(universe["ticker"])) <= 4  # ~3 % left for inference
    assert (universe["name"] == "").any()


def test_leverage_recorded(wide):
    funds = wide.funds
    levered = funds.loc[funds["group"].isin(["leveraged", "inverse"])]
    assert len(levered) >= 3
    assert (levered["leverage"] > 0).any() and (levered["leverage"] < 0).any()
    universe = pd.read_csv(wide.out / "universe.csv", keep_default_na=False).set_index("ticker")
    shown = levered.loc[levered["in_universe"]]
    assert len(shown)
    written = universe.loc[shown["ticker"], "leverage"].astype(float).to_numpy()
    np.testing.assert_array_equal(written, shown["leverage"].to_numpy())
    assert set(written) <= {2.0, 3.0, -1.0, -2.0, -3.0}
    subs = universe.loc[shown["ticker"], "sub_class"]
    assert subs.isin(["leveraged_long", "leveraged_inverse"]).all()
    plain = universe.loc[~universe.index.isin(levered["ticker"]), "leverage"]
    assert (plain.astype(float) == 1.0).all()  # no volatility funds at 60


def test_thin_and_listing(wide):
    funds = wide.funds
    assert funds["thin"].sum() == 6
    zero_share = {
        p.name.removesuffix(".us.txt").upper(): (read_prices(p)["Volume"] == 0).mean()
        for p in price_files(wide)
    }
    thin = funds.loc[funds["thin"], "ticker"]
    assert all(zero_share[t] > 0.05 for t in thin)
    assert all(zero_share[t] == 0 for t in funds.loc[~funds["thin"], "ticker"])
    assert (funds["list_day"] == 0).mean() == pytest.approx(0.7, abs=0.05)
    assert funds["delisted"].sum() == 2


def test_vars_json_points_at_the_files(small):
    dbt_vars = json.loads(small.vars_path.read_text())
    assert dbt_vars["prices_format"] == "stooq"
    assert Path(dbt_vars["prices_path"]).is_absolute()
    assert len(glob(dbt_vars["prices_path"])) == small.n_files
    assert Path(dbt_vars["universe_path"]) == small.out / "universe.csv"
    assert Path(dbt_vars["universe_path"]).is_file()


def _contents(summary) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in price_files(summary)}
    files["universe.csv"] = (summary.out / "universe.csv").read_bytes()
    return files


def test_deterministic_for_a_seed(small, tmp_path):
    again = iu.generate(tmp_path / "again", n_etfs=12, years=2, seed=7)
    assert _contents(again) == _contents(small)
    other = iu.generate(tmp_path / "other", n_etfs=12, years=2, seed=8)
    assert _contents(other) != _contents(small)
    assert set(_contents(other)) != set(_contents(small))  # other tickers too


def test_rerun_replaces_old_price_files(tmp_path):
    iu.generate(tmp_path, n_etfs=12, years=1, seed=1)
    summary = iu.generate(tmp_path, n_etfs=5, years=1, seed=2)
    assert len(price_files(summary)) == 5
