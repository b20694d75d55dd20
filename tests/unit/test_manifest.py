"""File-level checks of the user's price and metadata files (etf_warehouse.ingest.manifest)."""

from __future__ import annotations

import glob
from pathlib import Path

import pandas as pd
import pytest

from etf_warehouse.ingest.manifest import (
    CANONICAL,
    MACRO_REQUIRED,
    InputFileError,
    check_table_file,
    column_positions,
    detect_format,
    input_file_table,
    inspect_parquet_file,
    inspect_price_file,
    new_input_files,
    price_file_manifest,
    price_file_manifest_columns,
    ticker_from_file_name,
)

STOOQ_HEADER = "Date,Open,High,Low,Close,Volume,OpenInt"
STOOQ_BULK_HEADER = "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>"
YAHOO_HEADER = "Date,Open,High,Low,Close,Adj Close,Volume"
LONG_HEADER = "date,ticker,open,high,low,close,volume"

STOOQ_ROW = "20240102,10.0,10.5,9.5,10.2,1000,0"
YAHOO_ROW = "2024-01-02,10.0,10.5,9.5,10.2,10.1,1000"
LONG_ROW = "2024-01-02,AAA,10.0,10.5,9.5,10.2,1000"


def write(directory: Path, name: str, text: str | bytes) -> str:
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def fields(header: str) -> list[str]:
    return header.split(",")


# --- header parsing and format detection ------------------------------------------------------


def test_column_positions_stooq_header_is_one_based():
    pos = column_positions(fields(STOOQ_HEADER))
    assert pos == {
        "date": 1,
        "ticker": None,
        "open": 2,
        "high": 3,
        "low": 4,
        "close": 5,
        "volume": 6,
        "adj_close": None,
    }


def test_column_positions_yahoo_header_finds_adj_close():
    pos = column_positions(fields(YAHOO_HEADER))
    assert pos["date"] == 1
    assert pos["close"] == 5
    assert pos["adj_close"] == 6
    assert pos["volume"] == 7
    assert pos["ticker"] is None


def test_column_positions_stooq_bulk_header_strips_angle_brackets():
    pos = column_positions(fields(STOOQ_BULK_HEADER))
    assert pos == {
        "date": 3,
        "ticker": 1,
        "open": 5,
        "high": 6,
        "low": 7,
        "close": 8,
        "volume": 9,  # <VOL>
        "adj_close": None,
    }


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (STOOQ_HEADER, "stooq"),
        ("Date,Open,High,Low,Close", "stooq"),  # no OpenInt: still the one-file default
        (YAHOO_HEADER, "yahoo"),
        (LONG_HEADER, "long"),
        ("date,ticker,open,high,low,close,volume,adj_close", "long"),
        ("close,volume,ticker,low,date,high,open", "long"),
        # Stooq's markers win over a ticker column: bulk files are one file per ticker too.
        (STOOQ_BULK_HEADER, "stooq"),
        ("<TICKER>,<PER>,<DATE>,<OPEN>,<HIGH>,<LOW>,<CLOSE>", "stooq"),
        ("date,ticker,open,high,low,close,volume,openint", "stooq"),
    ],
)
def test_detect_format(header, expected):
    hdr = fields(header)
    assert detect_format(column_positions(hdr), hdr) == expected


def test_long_header_in_any_column_order():
    hdr = fields("Volume, Close ,TICKER,low,Date,HIGH,open,Adj_Close")
    pos = column_positions(hdr)
    assert pos == {
        "date": 5,
        "ticker": 3,
        "open": 7,
        "high": 6,
        "low": 4,
        "close": 2,
        "volume": 1,
        "adj_close": 8,
    }
    assert detect_format(pos, hdr) == "long"


@pytest.mark.parametrize(
    ("file_name", "file_format", "expected"),
    [
        ("spy.us.txt", "stooq", "SPY"),
        ("aeq01.au.txt", "stooq", "AEQ01"),
        ("VAS.AX.csv", "yahoo", "VAS.AX"),
        ("SPY.csv", "yahoo", "SPY"),
        ("vas.ax.csv", "yahoo", "VAS.AX"),
    ],
)
def test_ticker_from_file_name(file_name, file_format, expected):
    assert ticker_from_file_name(file_name, file_format) == expected


def test_ticker_from_file_name_rejects_an_empty_stem():
    with pytest.raises(InputFileError, match=r"\.csv"):
        ticker_from_file_name(".csv", "yahoo")


# --- inspect_price_file ---------------------------------------------------------------------


def test_inspect_stooq_file(tmp_path):
    path = write(tmp_path, "spy.us.txt", f"{STOOQ_HEADER}\n{STOOQ_ROW}\n")
    pf = inspect_price_file(path)
    assert pf.file_format == "stooq"
    assert pf.ticker == "SPY"
    assert pf.file_name == "spy.us.txt"
    assert pf.header == STOOQ_HEADER
    assert pf.n_fields == 7
    assert pf.positions["close"] == 5
    assert pf.size_bytes == Path(path).stat().st_size


def test_inspect_yahoo_file_with_crlf_line_ends(tmp_path):
    path = write(tmp_path, "VAS.AX.csv", f"{YAHOO_HEADER}\r\n{YAHOO_ROW}\r\n")
    pf = inspect_price_file(path)
    assert pf.file_format == "yahoo"
    assert pf.ticker == "VAS.AX"
    assert pf.header == YAHOO_HEADER  # no trailing \r
    assert pf.n_fields == 7


def test_inspect_stooq_bulk_file(tmp_path):
    row = "SPY.US,D,20240102,000000,10.0,10.5,9.5,10.2,1000,0"
    path = write(tmp_path, "spy.us.txt", f"{STOOQ_BULK_HEADER}\n{row}\n")
    pf = inspect_price_file(path)
    assert pf.file_format == "stooq"
    assert pf.ticker == "SPY"
    assert pf.n_fields == 10
    assert (pf.positions["ticker"], pf.positions["date"], pf.positions["close"]) == (1, 3, 8)
    assert pf.positions["volume"] == 9


def test_inspect_long_file_has_no_file_ticker(tmp_path):
    path = write(tmp_path, "prices.csv", f"{LONG_HEADER}\n{LONG_ROW}\n")
    pf = inspect_price_file(path)
    assert pf.file_format == "long"
    assert pf.ticker is None


def test_forced_format_overrides_detection(tmp_path):
    # A Yahoo-shaped file forced to stooq keeps its positions and takes the stooq ticker rule.
    path = write(tmp_path, "vas.ax.csv", f"{YAHOO_HEADER}\n{YAHOO_ROW}\n")
    pf = inspect_price_file(path, forced_format="stooq")
    assert pf.file_format == "stooq"
    assert pf.ticker == "VAS"
    assert pf.positions["adj_close"] == 6


def test_forced_long_on_a_file_without_ticker_column_is_rejected(tmp_path):
    path = write(tmp_path, "spy.us.txt", f"{STOOQ_HEADER}\n{STOOQ_ROW}\n")
    with pytest.raises(InputFileError, match="missing column\\(s\\) ticker") as info:
        inspect_price_file(path, forced_format="long")
    assert path in str(info.value)


def test_utf8_bom_before_the_header_is_accepted(tmp_path):
    path = write(tmp_path, "spy.us.txt", ("\ufeff" + f"{STOOQ_HEADER}\n{STOOQ_ROW}\n").encode())
    pf = inspect_price_file(path)
    assert pf.file_format == "stooq"
    assert pf.header == STOOQ_HEADER
    assert pf.positions["date"] == 1


# --- price_file_manifest ---------------------------------------------------------------------


def test_manifest_of_good_files(tmp_path):
    paths = [
        write(tmp_path, "spy.us.txt", f"{STOOQ_HEADER}\n{STOOQ_ROW}\n"),
        write(tmp_path, "qqq.us.txt", f"{STOOQ_HEADER}\n{STOOQ_ROW}\n"),
    ]
    out = price_file_manifest(paths, pattern=str(tmp_path / "*.txt"))
    assert list(out.columns) == price_file_manifest_columns()
    assert out["file_path"].tolist() == paths
    assert out["file_ticker"].tolist() == ["SPY", "QQQ"]
    assert out["file_format"].tolist() == ["stooq", "stooq"]
    assert out["pos_close"].tolist() == [5, 5]
    assert out["pos_adj_close"].isna().all()
    for c in CANONICAL:
        assert out[f"pos_{c}"].dtype == "Int64"


def test_manifest_empty_file_is_named(tmp_path):
    good = write(tmp_path, "spy.us.txt", f"{STOOQ_HEADER}\n{STOOQ_ROW}\n")
    empty = write(tmp_path, "qqq.us.txt", "")
    with pytest.raises(InputFileError, match="empty") as info:
        price_file_manifest([good, empty], pattern="*.txt")
    assert empty in str(info.value)


def test_manifest_blank_first_line_is_empty(tmp_path):
    path = write(tmp_path, "qqq.us.txt", "\n20240102,1,1,1,1,1,0\n")
    with pytest.raises(InputFileError, match="empty") as info:
        price_file_manifest([path], pattern="*.txt")
    assert path in str(info.value)


def test_manifest_wrong_header_is_named(tmp_path):
    path = write(tmp_path, "spy.us.txt", "when,price\n2024-01-02,10\n")
    with pytest.raises(InputFileError, match="not a stooq header") as info:
        price_file_manifest([path], pattern="*.txt")
    message = str(info.value)
    assert path in message
    assert "when,price" in message
    assert "date" in message


def test_manifest_non_utf8_first_line_is_named(tmp_path):
    path = write(tmp_path, "spy.us.txt", b"\xff\xfe\x00D\x00a\x00t\x00e\n")
    with pytest.raises(InputFileError, match="not UTF-8") as info:
        price_file_manifest([path], pattern="*.txt")
    assert path in str(info.value)


def test_manifest_nothing_matched():
    with pytest.raises(InputFileError, match="matched no files") as info:
        price_file_manifest([], pattern="/nowhere/*.txt")
    assert "/nowhere/*.txt" in str(info.value)


def test_manifest_refuses_mixed_csv_and_parquet(tmp_path):
    csv = write(tmp_path, "prices.csv", f"{LONG_HEADER}\n{LONG_ROW}\n")
    parquet = write(tmp_path, "prices.parquet", b"PAR1")
    with pytest.raises(InputFileError, match="mixes Parquet and CSV"):
        price_file_manifest(
            [csv, parquet],
            pattern="prices.*",
            parquet_columns={parquet: fields(LONG_HEADER)},
        )


def test_manifest_refuses_two_files_for_one_ticker(tmp_path):
    a = write(tmp_path, "spy.us.txt", f"{STOOQ_HEADER}\n{STOOQ_ROW}\n")
    b = write(tmp_path, "spy.uk.txt", f"{STOOQ_HEADER}\n{STOOQ_ROW}\n")
    with pytest.raises(InputFileError, match="both hold ticker SPY") as info:
        price_file_manifest([a, b], pattern="*.txt")
    assert a in str(info.value)
    assert b in str(info.value)


def test_manifest_allows_many_long_files(tmp_path):
    a = write(tmp_path, "a.csv", f"{LONG_HEADER}\n{LONG_ROW}\n")
    b = write(tmp_path, "b.csv", f"{LONG_HEADER}\n{LONG_ROW}\n")
    out = price_file_manifest([a, b], pattern="*.csv")
    assert out["file_format"].tolist() == ["long", "long"]
    assert out["file_ticker"].isna().all()


@pytest.mark.parametrize("forced", ["csv", "Stooq", ""])
def test_manifest_invalid_forced_format(tmp_path, forced):
    path = write(tmp_path, "spy.us.txt", f"{STOOQ_HEADER}\n{STOOQ_ROW}\n")
    with pytest.raises(InputFileError, match="prices_format must be one of"):
        price_file_manifest([path], pattern="*.txt", forced_format=forced)


def test_manifest_parquet_needs_a_schema(tmp_path):
    path = write(tmp_path, "prices.parquet", b"PAR1")
    with pytest.raises(InputFileError, match="no Parquet schema") as info:
        price_file_manifest([path], pattern="*.parquet", parquet_columns={})
    assert path in str(info.value)


def test_manifest_parquet_long_file(tmp_path):
    path = write(tmp_path, "prices.parquet", b"PAR1")
    cols = ["ticker", "date", "close", "open", "high", "low", "volume"]
    out = price_file_manifest([path], pattern="*.parquet", parquet_columns={path: cols})
    row = out.iloc[0]
    assert row["file_format"] == "long"
    assert pd.isna(row["file_ticker"])
    assert row["pos_ticker"] == 1
    assert row["pos_close"] == 3
    assert row["header_line"] == ",".join(cols)
    assert row["size_bytes"] == 4


@pytest.mark.parametrize(
    ("column", "canonical"),
    [("Adj Close", "adj_close"), ("symbol", "ticker"), ("vol", "volume"), ("Date ", None)],
)
def test_parquet_columns_must_carry_the_contract_names(tmp_path, column, canonical):
    # Parquet columns are read by name: an alias the CSV path accepts must be renamed.
    path = write(tmp_path, "prices.parquet", b"PAR1")
    names = {"date": "date", "ticker": "ticker", "close": "close"}
    if canonical is None:  # case and surrounding spaces are tolerated
        cols = [column, "ticker", "close"]
        assert inspect_parquet_file(path, cols).positions["date"] == 1
        return
    names[canonical] = column
    cols = list(names.values())
    with pytest.raises(InputFileError, match="rename Parquet column") as info:
        inspect_parquet_file(path, cols)
    assert f"{column!r} -> {canonical}" in str(info.value)
    assert path in str(info.value)


def test_inspect_parquet_file_missing_column(tmp_path):
    path = write(tmp_path, "prices.parquet", b"PAR1")
    with pytest.raises(InputFileError, match="missing column\\(s\\) close") as info:
        inspect_parquet_file(path, ["date", "ticker", "open"])
    assert path in str(info.value)


# --- metadata files ----------------------------------------------------------------------------


def test_check_table_file_returns_lower_case_names(tmp_path):
    path = write(tmp_path, "universe.csv", "Ticker, Name ,asset_class\nAAA,x,equity\n")
    assert check_table_file(path, ("ticker",), "universe") == ["ticker", "name", "asset_class"]


def test_check_table_file_missing_file(tmp_path):
    path = str(tmp_path / "nope.csv")
    with pytest.raises(InputFileError, match="does not exist") as info:
        check_table_file(path, ("ticker",), "universe")
    assert path in str(info.value)
    assert str(info.value).startswith("universe file")


def test_check_table_file_empty_file(tmp_path):
    path = write(tmp_path, "universe.csv", "")
    with pytest.raises(InputFileError, match="empty") as info:
        check_table_file(path, ("ticker",), "universe")
    assert path in str(info.value)


def test_check_table_file_missing_required_column(tmp_path):
    path = write(tmp_path, "actions.csv", "ticker,date,ratio\nAAA,2024-01-02,2\n")
    with pytest.raises(InputFileError, match="lacks required column\\(s\\) action_type") as info:
        check_table_file(path, ("ticker", "date", "action_type", "ratio"), "corporate_actions")
    assert path in str(info.value)


# --- input_file_table ------------------------------------------------------------------------


def no_glob(pattern: str) -> list[str]:
    raise AssertionError(f"glob must not be called without prices_path (got {pattern!r})")


def no_parquet(path: str) -> list[str]:
    raise AssertionError(f"parquet_columns must not be called for {path!r}")


def test_input_file_table_universe_only(tmp_path):
    path = write(tmp_path, "universe.csv", "ticker,name\nAAA,Fund A\n")
    out = input_file_table(
        prices_path=None,
        prices_format=None,
        universe_path=path,
        corporate_actions_path=None,
        glob=no_glob,
        parquet_columns=no_parquet,
    )
    assert len(out) == 1
    row = out.iloc[0]
    assert row["file_role"] == "universe"
    assert row["file_path"] == path
    assert row["file_name"] == "universe.csv"
    assert row["header_line"] == "ticker,name"
    assert row["n_header_fields"] == 2
    assert row["size_bytes"] == Path(path).stat().st_size
    assert out["pos_close"].isna().all()
    assert list(out.columns) == ["file_role", *price_file_manifest_columns(), "ingest_batch"]
    assert row["ingest_batch"] == 1


def test_input_file_table_no_inputs_is_empty_with_columns():
    out = input_file_table(
        prices_path=None,
        prices_format=None,
        universe_path=None,
        corporate_actions_path=None,
        glob=no_glob,
        parquet_columns=no_parquet,
    )
    assert out.empty
    assert list(out.columns) == ["file_role", *price_file_manifest_columns(), "ingest_batch"]
    assert out["pos_date"].dtype == "Int64"


def test_input_file_table_with_fake_glob_and_parquet_schema(tmp_path):
    b = write(tmp_path, "b.parquet", b"PAR1")
    a = write(tmp_path, "a.parquet", b"PAR12")
    universe = write(tmp_path, "universe.csv", "ticker\nAAA\n")
    actions = write(tmp_path, "actions.csv", "ticker,date,action_type,ratio,amount\n")
    schemas = {
        a: ["date", "ticker", "open", "high", "low", "close", "volume"],
        b: ["ticker", "date", "close"],
    }
    globbed: list[str] = []
    asked: list[str] = []

    def fake_glob(pattern: str) -> list[str]:
        globbed.append(pattern)
        return [b, a]  # unsorted on purpose

    def fake_parquet_columns(path: str) -> list[str]:
        asked.append(path)
        return schemas[path]

    out = input_file_table(
        prices_path=str(tmp_path / "*.parquet"),
        prices_format=None,
        universe_path=universe,
        corporate_actions_path=actions,
        glob=fake_glob,
        parquet_columns=fake_parquet_columns,
    )
    assert globbed == [str(tmp_path / "*.parquet")]
    assert sorted(asked) == [a, b]
    assert out["file_role"].tolist() == ["prices", "prices", "universe", "corporate_actions"]
    assert out["file_path"].tolist() == [a, b, universe, actions]
    assert out["pos_close"].tolist()[:2] == [6, 3]
    assert out["size_bytes"].tolist()[:2] == [5, 4]
    assert (out["file_format"].iloc[:2] == "long").all()


# --- live refresh: only new files are added -----------------------------------------------------


def live_setup(tmp_path):
    """A first full ingest of one long file and a universe; returns (ingested, universe-only)."""
    write(tmp_path, "day1.csv", f"{LONG_HEADER}\n{LONG_ROW}\n")
    universe = write(tmp_path, "universe.csv", "ticker,name\nAAA,Fund A\n")
    pattern = str(tmp_path / "day*.csv")
    common = dict(prices_format=None, corporate_actions_path=None, parquet_columns=no_parquet)
    ingested = input_file_table(prices_path=pattern, universe_path=universe, glob=_glob, **common)
    current = input_file_table(prices_path=None, universe_path=universe, glob=_glob, **common)
    return ingested, current, pattern


def _glob(pattern: str) -> list[str]:
    return glob.glob(pattern)


def live_add(ingested, current, pattern):
    return new_input_files(
        ingested,
        current,
        prices_path=pattern,
        prices_format=None,
        glob=_glob,
        parquet_columns=no_parquet,
    )


def test_new_input_files_nothing_new_is_empty(tmp_path):
    ingested, current, pattern = live_setup(tmp_path)
    out = live_add(ingested, current, pattern)
    assert out.empty
    assert list(out.columns) == list(ingested.columns)


def test_new_input_files_appends_the_next_batch(tmp_path):
    ingested, current, pattern = live_setup(tmp_path)
    write(tmp_path, "day2.csv", f"{LONG_HEADER}\n2024-01-03,AAA,10.2,10.6,10.1,10.4,900\n")
    out = live_add(ingested, current, pattern)
    assert list(out["file_name"]) == ["day2.csv"]
    assert list(out["file_role"]) == ["prices"]
    assert list(out["ingest_batch"]) == [2]
    again = live_add(pd.concat([ingested, out], ignore_index=True), current, pattern)
    assert again.empty


def test_new_input_files_refuses_a_changed_file(tmp_path):
    ingested, current, pattern = live_setup(tmp_path)
    write(tmp_path, "day1.csv", f"{LONG_HEADER}\n{LONG_ROW}\n{LONG_ROW}\n")
    with pytest.raises(InputFileError, match=r"day1\.csv changed since it was ingested"):
        live_add(ingested, current, pattern)


def test_new_input_files_refuses_a_vanished_file(tmp_path):
    ingested, current, pattern = live_setup(tmp_path)
    (tmp_path / "day1.csv").unlink()
    with pytest.raises(InputFileError, match=r"day1\.csv was ingested and is gone"):
        live_add(ingested, current, pattern)


def test_new_input_files_refuses_a_changed_universe(tmp_path):
    ingested, _, pattern = live_setup(tmp_path)
    other = write(tmp_path, "universe2.csv", "ticker,name\nAAA,Fund A\n")
    current = input_file_table(
        prices_path=None,
        prices_format=None,
        universe_path=other,
        corporate_actions_path=None,
        glob=_glob,
        parquet_columns=no_parquet,
    )
    with pytest.raises(InputFileError, match="universe, corporate-actions, holdings or macro"):
        live_add(ingested, current, pattern)


def test_new_input_files_refuses_a_second_file_for_a_ticker(tmp_path):
    write(tmp_path, "AAA.csv", f"{YAHOO_HEADER}\n{YAHOO_ROW}\n")
    pattern = str(tmp_path / "*.csv")
    common = dict(
        prices_format=None,
        universe_path=None,
        corporate_actions_path=None,
        glob=_glob,
        parquet_columns=no_parquet,
    )
    ingested = input_file_table(prices_path=pattern, **common)
    current = input_file_table(prices_path=None, **common)
    sub = tmp_path / "more"
    sub.mkdir()
    write(sub, "AAA.csv", f"{YAHOO_HEADER}\n2024-01-03,10.2,10.6,10.1,10.4,10.3,900\n")
    with pytest.raises(InputFileError, match="both hold ticker AAA"):
        live_add(ingested, current, str(tmp_path / "**" / "*.csv"))


def test_input_file_table_propagates_a_bad_price_file(tmp_path):
    bad = write(tmp_path, "spy.us.txt", "nonsense\n")
    with pytest.raises(InputFileError) as info:
        input_file_table(
            prices_path="*.txt",
            prices_format=None,
            universe_path=None,
            corporate_actions_path=None,
            glob=lambda pattern: [bad],
            parquet_columns=no_parquet,
        )
    assert bad in str(info.value)


# --- the real Stooq files beside the project (skipped where absent) ------------------------------


def test_real_stooq_files_pass_the_manifest(stooq_dir):
    paths = sorted(str(p) for p in stooq_dir.glob("*.txt"))
    out = price_file_manifest(paths, pattern=str(stooq_dir / "*.txt"))
    assert len(out) == len(paths) > 0
    assert (out["file_format"] == "stooq").all()
    assert out["file_ticker"].is_unique
    assert (out["pos_date"] == 1).all()
    assert (out["pos_close"] == 5).all()
    assert "SPY" in set(out["file_ticker"])
    universe = stooq_dir.parent / "stooq_us_etfs_universe.csv"
    names = check_table_file(str(universe), ("ticker",), "universe")
    assert names[0] == "ticker"
    listed = set(pd.read_csv(universe)["ticker"])
    assert set(out["file_ticker"]) <= listed


def test_new_input_files_accepts_a_rewritten_macro_file(tmp_path):
    """A daily `etfw download-macro` rewrites the macro file: a refresh re-reads it."""
    macro = write(tmp_path, "macro.csv", "date,series,value\n2024-01-02,DGS10,3.95\n")
    write(tmp_path, "day1.csv", f"{LONG_HEADER}\n{LONG_ROW}\n")
    pattern = str(tmp_path / "day*.csv")
    common = dict(
        prices_format=None,
        universe_path=None,
        corporate_actions_path=None,
        macro_path=macro,
        glob=_glob,
        parquet_columns=no_parquet,
    )
    ingested = input_file_table(prices_path=pattern, **common)
    assert list(ingested["file_role"]) == ["prices", "macro"]
    current = input_file_table(prices_path=None, **common)
    write(tmp_path, "macro.csv", "date,series,value\n2024-01-02,DGS10,3.95\n2024-01-03,DGS10,3.9\n")
    assert live_add(ingested, current, pattern).empty


def test_check_table_file_reads_a_parquet_schema(tmp_path):
    path = tmp_path / "macro.parquet"
    pd.DataFrame({"date": ["2024-01-02"], "series": ["DGS10"]}).to_parquet(path)
    columns = lambda p: list(pd.read_parquet(p).columns)  # noqa: E731
    with pytest.raises(InputFileError, match=r"macro file .*macro\.parquet: its columns .* value"):
        check_table_file(str(path), MACRO_REQUIRED, "macro", columns)
