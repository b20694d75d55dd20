"""The sample market written as user files (etf_warehouse.sample.files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etf_warehouse.ingest.manifest import inspect_price_file, price_file_manifest
from etf_warehouse.sample import SampleConfig, generate_sample_market
from etf_warehouse.sample.files import SampleFiles, stooq_ticker, write_sample_files

CONFIG = SampleConfig(n_etfs=12, years=2)
N_TICKERS = 12
BASE_VARS = {"prices_path", "prices_format", "universe_path"}


@pytest.fixture(scope="module")
def market():
    return generate_sample_market(CONFIG)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, SampleFiles]:
    out = {}
    for name, fmt, parquet in (
        ("stooq", "stooq", False),
        ("yahoo", "yahoo", False),
        ("long", "long", False),
        ("long_parquet", "long", True),
    ):
        root = tmp_path_factory.mktemp(name)
        out[name] = write_sample_files(CONFIG, root, file_format=fmt, parquet=parquet)
    return out


def price_files(files: SampleFiles) -> list[Path]:
    return sorted(Path(files.prices_glob).parent.glob(Path(files.prices_glob).name))


def test_stooq_ticker():
    assert stooq_ticker("AEQ01.AX") == "AEQ01"
    assert stooq_ticker("synas.ax") == "SYNAS"


@pytest.mark.parametrize(
    ("name", "has_actions"),
    [("stooq", True), ("yahoo", False), ("long", True), ("long_parquet", True)],
)
def test_dbt_vars(written, name, has_actions):
    files = written[name]
    dbt_vars = files.dbt_vars()
    expected = BASE_VARS | ({"corporate_actions_path"} if has_actions else set())
    assert set(dbt_vars) == expected
    assert dbt_vars["prices_format"] == files.prices_format
    assert dbt_vars["prices_path"] == files.prices_glob
    assert Path(dbt_vars["universe_path"]).is_file()
    if has_actions:
        assert Path(dbt_vars["corporate_actions_path"]).is_file()
        assert dbt_vars["corporate_actions_path"] == str(files.directory / "corporate_actions.csv")


@pytest.mark.parametrize(
    ("name", "fmt", "suffix", "n_files"),
    [
        ("stooq", "stooq", ".txt", N_TICKERS),
        ("yahoo", "yahoo", ".csv", N_TICKERS),
        ("long", "long", ".csv", 1),
        ("long_parquet", "long", ".parquet", 1),
    ],
)
def test_price_file_count_and_glob(written, name, fmt, suffix, n_files):
    files = written[name]
    assert files.prices_format == fmt
    assert files.prices_glob.endswith("*" + suffix)
    paths = price_files(files)
    assert len(paths) == n_files
    assert files.n_price_files == n_files
    # Nothing else was written beside the price files.
    assert len(list(Path(files.prices_glob).parent.iterdir())) == n_files


@pytest.mark.parametrize(
    ("name", "fmt"), [("stooq", "stooq"), ("yahoo", "yahoo"), ("long", "long")]
)
def test_every_price_file_passes_the_manifest(written, name, fmt):
    paths = [str(p) for p in price_files(written[name])]
    for path in paths:
        assert inspect_price_file(path).file_format == fmt, path
    manifest = price_file_manifest(paths, pattern=written[name].prices_glob)
    assert (manifest["file_format"] == fmt).all()


def test_parquet_file_has_the_long_layout(written, market):
    (path,) = price_files(written["long_parquet"])
    frame = pd.read_parquet(path)
    assert list(frame.columns) == ["date", "ticker", "open", "high", "low", "close", "volume"]
    manifest = price_file_manifest(
        [str(path)], pattern="*.parquet", parquet_columns={str(path): list(frame.columns)}
    )
    assert manifest["file_format"].tolist() == ["long"]
    assert len(frame) == len(market.prices)


def test_long_csv_holds_the_raw_prices(written, market):
    (path,) = price_files(written["long"])
    frame = pd.read_csv(path)
    assert list(frame.columns) == ["date", "ticker", "open", "high", "low", "close", "volume"]
    assert len(frame) == len(market.prices)
    expected = market.prices.assign(date=market.prices["date"].dt.strftime("%Y-%m-%d"))
    np.testing.assert_allclose(frame["close"], expected["close"], rtol=0, atol=1e-9)
    assert frame["ticker"].tolist() == expected["ticker"].tolist()
    assert frame["date"].tolist() == expected["date"].tolist()


def test_stooq_file_names_and_universe_tickers(written, market):
    files = written["stooq"]
    names = {p.name for p in price_files(files)}
    assert "aeq01.au.txt" in names
    assert "synas.au.txt" in names
    assert names == {f"{t.split('.')[0].lower()}.au.txt" for t in market.prices["ticker"].unique()}
    universe = pd.read_csv(files.universe_path)
    assert "AEQ01" in set(universe["ticker"])
    assert not universe["ticker"].str.contains(".", regex=False).any()
    assert set(universe["ticker"]) == {stooq_ticker(t) for t in market.etfs["ticker"]}
    tickers = {inspect_price_file(str(p)).ticker for p in price_files(files)}
    assert "AEQ01" in tickers
    # Every universe ticker that trades matches a file's ticker (the phantom fund never trades).
    assert set(universe["ticker"]) - tickers == {"ZZZ01"}


def test_stooq_file_content(written, market):
    path = Path(written["stooq"].prices_glob).parent / "aeq01.au.txt"
    lines = path.read_text().splitlines()
    assert lines[0] == "Date,Open,High,Low,Close,Volume,OpenInt"
    first = lines[1].split(",")
    raw = market.prices.loc[market.prices["ticker"] == "AEQ01.AX"].iloc[0]
    assert first[0] == raw["date"].strftime("%Y%m%d")
    assert float(first[4]) == pytest.approx(raw["close"])
    assert first[6] == "0"


def test_corporate_actions_file_uses_the_file_tickers(written, market):
    stooq = pd.read_csv(written["stooq"].corporate_actions_path)
    long = pd.read_csv(written["long"].corporate_actions_path)
    assert list(stooq.columns) == ["ticker", "date", "action_type", "ratio", "amount"]
    assert len(stooq) == len(market.corporate_actions) > 0
    assert set(stooq["ticker"]) <= {stooq_ticker(t) for t in market.etfs["ticker"]}
    assert set(long["ticker"]) <= set(market.etfs["ticker"])
    # Undeclared actions (the SNAS analogue's consolidation) stay out of the declared file.
    assert not (long["action_type"] == "consolidation").any()


def test_corporate_actions_file_only_beside_raw_prices(written):
    assert written["stooq"].corporate_actions_path is not None
    assert written["long"].corporate_actions_path is not None
    assert written["long_parquet"].corporate_actions_path is not None
    assert written["yahoo"].corporate_actions_path is None
    assert (written["stooq"].directory / "corporate_actions.csv").is_file()
    assert (written["long"].directory / "corporate_actions.csv").is_file()
    assert not (written["yahoo"].directory / "corporate_actions.csv").exists()


def yahoo_frames(files: SampleFiles) -> dict[str, pd.DataFrame]:
    return {
        p.name.removesuffix(".csv"): pd.read_csv(p, parse_dates=["Date"])
        for p in price_files(files)
    }


def test_yahoo_adj_close_moves_with_close_between_actions(written, market):
    frames = yahoo_frames(written["yahoo"])
    assert set(frames) == set(market.prices["ticker"])
    actions = market.truth_actions
    checked = 0
    for ticker, frame in frames.items():
        assert list(frame.columns) == [
            "Date",
            "Open",
            "High",
            "Low",
            "Close",
            "Adj Close",
            "Volume",
        ]
        event_dates = set(actions.loc[actions["ticker"] == ticker, "date"])
        close = frame["Close"].to_numpy()
        adj = frame["Adj Close"].to_numpy()
        dates = frame["Date"].to_numpy()
        for i in range(1, len(frame)):
            if close[i] <= 0 or close[i - 1] <= 0:
                continue  # the zero-price fault
            # A distribution or split on any date in (previous row, this row] changes the factor.
            if any(dates[i - 1] < np.datetime64(d) <= dates[i] for d in event_dates):
                continue
            assert adj[i] / adj[i - 1] == pytest.approx(close[i] / close[i - 1], abs=1e-5), (
                ticker,
                dates[i],
            )
            checked += 1
    assert checked > 0.9 * len(market.prices)


def test_yahoo_adj_close_is_backward_adjusted_for_distributions(written, market):
    frames = yahoo_frames(written["yahoo"])
    declared = market.corporate_actions
    payers = set(declared.loc[declared["action_type"] == "distribution", "ticker"])
    assert len(payers) >= 5
    for ticker, frame in frames.items():
        first, last = frame.iloc[0], frame.iloc[-1]
        if ticker in payers:
            assert first["Adj Close"] <= first["Close"], ticker
            assert first["Adj Close"] < first["Close"] * 0.9999, ticker
        else:
            assert first["Adj Close"] == pytest.approx(first["Close"], abs=1e-6), ticker
        # Backward adjustment: the last row is never adjusted.
        assert last["Adj Close"] == pytest.approx(last["Close"], abs=1e-6), ticker


def test_yahoo_keeps_undeclared_actions_in_the_prices(written, market):
    # Yahoo adjusts only what it knows: the undeclared SYNAS.AX consolidation stays as a jump.
    frame = yahoo_frames(written["yahoo"])["SYNAS.AX"]
    action = market.truth_actions.loc[
        (market.truth_actions["ticker"] == "SYNAS.AX")
        & (market.truth_actions["action_type"] == "consolidation")
    ].iloc[0]
    i = int(np.flatnonzero(frame["Date"] == action["date"])[0])
    assert 8 < frame["Close"].iloc[i] / frame["Close"].iloc[i - 1] < 12


def test_yahoo_splits_adjust_close_and_volume(tmp_path):
    # Slot 14 (ASC01.AX) has a declared 2-for-1 split in a universe of at least 15 funds.
    config = SampleConfig(n_etfs=15, years=4)
    market = generate_sample_market(config)
    split = market.corporate_actions.loc[market.corporate_actions["action_type"] == "split"]
    assert split["ticker"].tolist() == ["ASC01.AX"]
    ratio, date = float(split["ratio"].iloc[0]), split["date"].iloc[0]
    files = write_sample_files(config, tmp_path, file_format="yahoo")
    frame = pd.read_csv(Path(files.prices_glob).parent / "ASC01.AX.csv", parse_dates=["Date"])
    raw = market.prices.loc[market.prices["ticker"] == "ASC01.AX"].reset_index(drop=True)
    before = (frame["Date"] < date).to_numpy()
    assert before.any() and (~before).any()
    np.testing.assert_allclose(frame["Close"][before], raw["close"][before] / ratio, atol=1e-6)
    np.testing.assert_allclose(frame["Close"][~before], raw["close"][~before], atol=1e-6)
    np.testing.assert_array_equal(frame["Volume"][before], raw["volume"][before] * ratio)


def test_parquet_needs_the_long_format(tmp_path):
    for fmt in ("stooq", "yahoo"):
        with pytest.raises(ValueError, match="Parquet output is for the long format"):
            write_sample_files(CONFIG, tmp_path / fmt, file_format=fmt, parquet=True)
        assert not (tmp_path / fmt).exists()


def test_unknown_format_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="file_format must be stooq, yahoo or long"):
        write_sample_files(CONFIG, tmp_path, file_format="csv")


def test_batches_give_one_long_file_each(tmp_path, market):
    files = write_sample_files(CONFIG, tmp_path, file_format="long", batch_size=5)
    paths = price_files(files)
    assert [p.name for p in paths] == ["prices_0000.csv", "prices_0001.csv", "prices_0002.csv"]
    assert files.n_price_files == 3
    together = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    assert len(together) == len(market.prices)


FAULT_BEFORE_EX_DATE = SampleConfig(n_etfs=9, years=17.5)


def test_a_zero_price_fault_can_precede_an_ex_date():
    # The scenario of the test below: REI01.AX's zero-price fault falls on the session before
    # one of its distribution ex-dates (it once turned every earlier Adj Close into -inf).
    market = generate_sample_market(FAULT_BEFORE_EX_DATE)
    faults = market.truth_faults
    zero = faults.loc[faults["fault_type"] == "zero_price", ["ticker", "date"]]
    assert list(zero.itertuples(index=False, name=None)) == [
        ("REI01.AX", pd.Timestamp("2013-09-30"))
    ]
    next_session = market.dates[market.dates.get_loc(pd.Timestamp("2013-09-30")) + 1]
    actions = market.corporate_actions
    assert (
        (actions["ticker"] == "REI01.AX")
        & (actions["date"] == next_session)
        & (actions["action_type"] == "distribution")
    ).any()


def test_yahoo_adj_close_is_finite_when_a_fault_precedes_an_ex_date(tmp_path):
    files = write_sample_files(FAULT_BEFORE_EX_DATE, tmp_path, file_format="yahoo")
    frame = pd.read_csv(Path(files.prices_glob).parent / "REI01.AX.csv")
    assert np.isfinite(frame["Adj Close"]).all()
