"""Corrupt inputs are quarantined with a reason or rejected with an error naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.dbt_runner import dbt_build

pytestmark = pytest.mark.e2e

HEADER = "Date,Open,High,Low,Close,Volume,OpenInt"


def good_lines(n: int = 40, start_price: float = 50.0) -> list[str]:
    """``n`` consecutive business days of plausible Stooq rows from 2020-01-01."""
    import datetime as dt

    lines, day, price = [], dt.date(2020, 1, 1), start_price
    while len(lines) < n:
        if day.weekday() < 5:
            price *= 1.001
            lines.append(
                f"{day:%Y%m%d},{price:.3f},{price * 1.01:.3f},{price * 0.99:.3f},{price:.3f},1000,0"
            )
        day += dt.timedelta(days=1)
    return lines


def write(path: Path, lines: list[str], *, newline_at_end: bool = True) -> Path:
    path.write_text("\n".join(lines) + ("\n" if newline_at_end else ""))
    return path


def stooq_vars(directory: Path, **extra) -> dict:
    return {"prices_path": str(directory / "*.txt"), "prices_format": "stooq", **extra}


@pytest.fixture(scope="module")
def corrupt_build(tmp_path_factory):
    """One clean file and one with every row-level fault, built together."""
    root = tmp_path_factory.mktemp("corrupt")
    prices = root / "prices"
    prices.mkdir()
    write(prices / "good.us.txt", [HEADER, *good_lines()])
    bad = [HEADER, *good_lines()]

    def set_close(index: int, value: str) -> None:
        fields = bad[index].split(",")
        fields[4] = value
        bad[index] = ",".join(fields)

    set_close(10, "12.3O")  # letter O instead of a zero: not a number (line 11)
    set_close(20, "-51.2")  # negative close (line 21)
    bad.insert(31, bad[30])  # a duplicated day
    bad.append("20200302,51.0,51.5,50.9")  # truncated last line, cut mid-row, no newline
    write(prices / "bad.us.txt", bad, newline_at_end=False)
    return dbt_build(root / "build", stooq_vars(prices)), prices


def test_row_faults_are_quarantined_with_reasons(corrupt_build):
    build, _ = corrupt_build
    rows = build.query(
        "select reason, source_line, reason_detail from fct_price_quarantine order by source_line"
    )
    reasons = {reason: (line, detail) for reason, line, detail in rows}
    assert set(reasons) == {
        "non_numeric_value",
        "non_positive_price",
        "duplicate_day",
        "truncated_row",
    }
    assert reasons["non_numeric_value"][0] == 11
    assert "close=12.3O" in reasons["non_numeric_value"][1]
    assert reasons["non_positive_price"][0] == 21
    assert reasons["duplicate_day"][0] == 31  # the first copy; the later line is kept
    assert reasons["truncated_row"][0] == 43
    for _, _, detail in rows:
        assert detail


def test_quarantine_keeps_the_raw_line_and_file(corrupt_build):
    build, _ = corrupt_build
    ((raw_line, source_file),) = build.query(
        "select raw_line, source_file from fct_price_quarantine where reason = 'truncated_row'"
    )
    assert raw_line == "20200302,51.0,51.5,50.9"
    assert source_file.endswith("bad.us.txt")


def test_row_accounting_holds_with_faults(corrupt_build):
    build, _ = corrupt_build
    counts = dict(
        build.query(
            """
            select ticker, count(*) from (
                select ticker from fct_daily_prices
                union all select ticker from fct_price_quarantine
            ) group by ticker
            """
        )
    )
    assert counts == {"GOOD": 40, "BAD": 42}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.us.txt", b"", "the file is empty"),
        ("wrong.us.txt", b"when,what\n2020-01-01,1\n", "is not a stooq header"),
        ("binary.us.txt", b"\xff\xfe\x00\x01garbage\n", "is not UTF-8 text"),
    ],
)
def test_malformed_file_is_rejected_naming_it(tmp_path, name, content, message):
    prices = tmp_path / "prices"
    prices.mkdir()
    write(prices / "good.us.txt", [HEADER, *good_lines()])
    (prices / name).write_bytes(content)
    build = dbt_build(tmp_path / "build", stooq_vars(prices), expect_success=False)
    assert name in build.output
    assert message in build.output


def test_invalid_utf8_inside_a_file_is_rejected_naming_file_and_line(tmp_path):
    prices = tmp_path / "prices"
    prices.mkdir()
    lines = [HEADER, *good_lines(10)]
    data = ("\n".join(lines[:5]) + "\n").encode() + b"20200110,1,2,\xff\xfe,1,1,0\n"
    (prices / "mojibake.us.txt").write_bytes(data)
    build = dbt_build(tmp_path / "build", stooq_vars(prices), expect_success=False)
    assert "mojibake.us.txt" in build.output
    assert "Line: 6" in build.output or "line 6" in build.output.lower()


def test_no_matching_files_is_an_error(tmp_path):
    build = dbt_build(
        tmp_path / "build", stooq_vars(tmp_path / "nothing-here"), expect_success=False
    )
    assert "matched no files" in build.output


def test_duplicated_universe_ticker_is_rejected_with_lines(tmp_path):
    prices = tmp_path / "prices"
    prices.mkdir()
    write(prices / "good.us.txt", [HEADER, *good_lines()])
    universe = write(
        tmp_path / "universe.csv",
        [
            "ticker,name,asset_class",
            "GOOD,Good Fund,equity",
            "OTHER,Other,equity",
            "GOOD,Good Fund again,equity",
        ],
    )
    build = dbt_build(
        tmp_path / "build",
        stooq_vars(prices, universe_path=str(universe)),
        expect_success=False,
    )
    assert "universe.csv" in build.output
    assert "ticker GOOD appears on lines 2, 4" in build.output


def test_universe_without_ticker_column_is_rejected(tmp_path):
    prices = tmp_path / "prices"
    prices.mkdir()
    write(prices / "good.us.txt", [HEADER, *good_lines()])
    universe = write(tmp_path / "meta.csv", ["symbol_name,asset_class", "GOOD,equity"])
    build = dbt_build(
        tmp_path / "build", stooq_vars(prices, universe_path=str(universe)), expect_success=False
    )
    assert "meta.csv" in build.output
    assert "lacks required column(s) ticker" in build.output


def test_malformed_corporate_action_is_rejected_with_line(tmp_path):
    prices = tmp_path / "prices"
    prices.mkdir()
    write(prices / "good.us.txt", [HEADER, *good_lines()])
    actions = write(
        tmp_path / "actions.csv",
        ["ticker,date,action_type,ratio", "GOOD,2020-01-15,split,2", "GOOD,15/01/2020,split,2"],
    )
    build = dbt_build(
        tmp_path / "build",
        stooq_vars(prices, corporate_actions_path=str(actions)),
        expect_success=False,
    )
    assert "actions.csv line 3" in build.output
    assert "invalid declaration" in build.output


def test_declared_split_missing_from_prices_is_reported_not_applied(tmp_path):
    """Declaring a split the (already adjusted) prices do not show must not invent a return."""
    prices = tmp_path / "prices"
    prices.mkdir()
    write(prices / "good.us.txt", [HEADER, *good_lines()])
    actions = write(
        tmp_path / "actions.csv",
        ["ticker,date,action_type,ratio", "GOOD,2020-01-15,split,2"],
    )
    build = dbt_build(tmp_path / "build", stooq_vars(prices, corporate_actions_path=str(actions)))
    ((is_applied, reason),) = build.query(
        "select is_applied, not_applied_reason from fct_corporate_actions"
    )
    assert not is_applied
    assert "no matching jump" in reason
    (max_abs,) = build.query("select max(abs(daily_return)) from fct_daily_prices")[0]
    assert max_abs < 0.01


def test_unseen_stooq_layouts_without_metadata(tmp_path):
    """Stooq's bulk layout (<TICKER>,<PER>,<DATE>,...) and a file without volume both read."""
    prices = tmp_path / "prices"
    prices.mkdir()
    bulk = ["<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>"]
    for line in good_lines(30):
        day, open_, high, low, close, volume, _ = line.split(",")
        bulk.append(f"ABC.US,D,{day},000000,{open_},{high},{low},{close},{volume},0")
    write(prices / "abc.us.txt", bulk)
    write(
        prices / "idx.us.txt",
        ["Date,Open,High,Low,Close", *[",".join(line.split(",")[:5]) for line in good_lines(30)]],
    )
    build = dbt_build(tmp_path / "build", {"prices_path": str(prices / "*.txt")})
    assert build.query("select ticker, count(*) from fct_daily_prices group by 1 order by 1") == [
        ("ABC", 30),
        ("IDX", 30),
    ]
    (volume_missing,) = build.query(
        "select count(*) from mart_data_quality where check_name = 'volume_missing'"
    )[0]
    assert volume_missing == 30
    assert build.query("select distinct asset_class_source from dim_etfs") == [("inferred",)]
