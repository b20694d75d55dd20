"""prepare_file_replay: CSV price files rewritten as a replay (history + held-back days)."""

from __future__ import annotations

import pandas as pd
import pytest

from etf_warehouse.live import prepare_file_replay


def _write(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def files(tmp_path):
    source = tmp_path / "source"
    _write(
        source / "spy.us.txt",
        "Date,Open,High,Low,Close,Volume,OpenInt\n"
        "20200102,10.00,10.50,9.900,10.25,1000,0\n"
        "20200103,10.25,10.30,10.10,10.20,1100,0\n"
        "2020-01-0x,1,1,1,1,1,0\n"
        "20200106,10.20,10.40,10.00,10.35,900,0\n",
    )
    # a fund whose file stops a day earlier, and a Yahoo file with an adjusted close
    _write(
        source / "qqq.us.txt",
        "Date,Open,High,Low,Close,Volume,OpenInt\n20200102,20,21,19,20.5,5,0\n"
        "20200103,20.5,20.5,20,20.1,6,0\n",
    )
    _write(
        source / "VAS.AX.csv",
        "Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-06,90,91,89,90.5,88.1,300\n",
    )
    return source


def test_the_last_days_are_held_back_and_the_texts_kept(files, tmp_path):
    replay = prepare_file_replay(str(files / "*"), tmp_path / "replay", 2)

    assert replay.days == [pd.Timestamp("2020-01-03"), pd.Timestamp("2020-01-06")]
    assert replay.dbt_vars == {
        "prices_path": str(tmp_path.resolve() / "replay" / "prices" / "*.csv"),
        "prices_format": "long",
    }
    history = pd.read_csv(replay.landing / "history.csv", dtype=str, keep_default_na=False)
    assert list(history.columns) == [
        "date",
        "ticker",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "adj_close",
    ]
    # the first day, and the row whose date does not parse (the build quarantines it)
    assert sorted(zip(history["ticker"], history["date"], strict=True)) == [
        ("QQQ", "20200102"),
        ("SPY", "2020-01-0x"),
        ("SPY", "20200102"),
    ]
    spy = history.loc[history["date"] == "20200102"].set_index("ticker").loc["SPY"]
    assert (spy["open"], spy["low"], spy["close"], spy["adj_close"]) == (
        "10.00",
        "9.900",
        "10.25",
        "",
    )

    last = replay.day_frames[pd.Timestamp("2020-01-06")].set_index("ticker")
    assert sorted(last.index) == ["SPY", "VAS.AX"]
    assert last.loc["VAS.AX", "adj_close"] == "88.1"

    written = replay.land(pd.Timestamp("2020-01-03"))
    assert written.name == "day-2020-01-03.csv"
    assert sorted(pd.read_csv(written)["ticker"]) == ["QQQ", "SPY"]


def test_columns_no_file_has_are_left_out(files, tmp_path):
    (files / "VAS.AX.csv").unlink()
    replay = prepare_file_replay(str(files / "*"), tmp_path / "replay", 1)
    header = (replay.landing / "history.csv").read_text().splitlines()[0]
    assert header == "date,ticker,open,high,low,close,volume"


def test_a_second_replay_clears_the_first_ones_landed_days(files, tmp_path):
    first = prepare_file_replay(str(files / "*"), tmp_path / "replay", 2)
    first.land(first.days[0])
    second = prepare_file_replay(str(files / "*"), tmp_path / "replay", 2)
    assert sorted(p.name for p in second.landing.iterdir()) == ["history.csv"]


def test_nothing_to_replay_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no price file matches"):
        prepare_file_replay(str(tmp_path / "*.csv"), tmp_path / "replay", 1)
    _write(tmp_path / "p" / "x.parquet", "")
    with pytest.raises(ValueError, match="is Parquet"):
        prepare_file_replay(str(tmp_path / "p" / "*"), tmp_path / "replay", 1)


def test_paths_are_made_absolute_for_dbt(files, tmp_path, monkeypatch):
    """dbt runs from the project folder: relative paths given from elsewhere must still work."""
    (tmp_path / "universe.csv").write_text("ticker\nSPY\n")
    monkeypatch.chdir(tmp_path)
    replay = prepare_file_replay(str(files / "*"), "replay", 1, universe_path="universe.csv")
    assert replay.dbt_vars["universe_path"] == str(tmp_path.resolve() / "universe.csv")
    assert replay.dbt_vars["prices_path"] == str(tmp_path.resolve() / "replay" / "prices" / "*.csv")
