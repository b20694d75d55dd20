"""The three file formats (CSV and Parquet) read the same market to the same returns."""

from __future__ import annotations

from pathlib import Path

import pytest

from etf_warehouse.sample import SampleConfig
from etf_warehouse.sample.files import stooq_ticker, write_sample_files
from tests.e2e.dbt_runner import DbtResult, dbt_build

pytestmark = pytest.mark.e2e

CONFIG = SampleConfig(n_etfs=20, years=3)
CUT = "2024-09-30"
# the tables these tests read and their ancestors, with the tests of those models: a format is
# an ingestion matter, and the whole pipeline on files is built by test_build_real_files
SELECT = "+fct_daily_prices +fct_corporate_actions +fct_price_quarantine +int_etf_features_daily"


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, DbtResult]:
    out = {}
    for name, fmt, parquet in (
        ("stooq", "stooq", False),
        ("yahoo", "yahoo", False),
        ("long_csv", "long", False),
        ("long_parquet", "long", True),
    ):
        root = tmp_path_factory.mktemp(name)
        files = write_sample_files(CONFIG, root / "files", file_format=fmt, parquet=parquet)
        out[name] = dbt_build(root / "build", files.dbt_vars(), select=SELECT, cautious=True)
    return out


def returns(build: DbtResult, *, stooq_names: bool = False) -> dict[tuple[str, str], float]:
    rows = build.query(
        "select ticker, date::varchar, daily_return from fct_daily_prices"
        " where daily_return is not null"
    )
    return {((t + ".AX") if stooq_names else t, d): r for t, d, r in rows}


def test_all_formats_give_the_same_returns(builds):
    reference = returns(builds["long_csv"])
    assert len(reference) > 10_000
    for name, build in builds.items():
        got = returns(build, stooq_names=(name == "stooq"))
        assert got.keys() == reference.keys(), name
        # Yahoo files carry 6-decimal prices, so their returns differ by rounding, and where a
        # distribution goes ex inside an outage the multi-day return compounds it differently
        # (Yahoo's factor is fixed on the missing ex-day): measured 2e-5 at worst.
        tolerance = 1e-4 if name == "yahoo" else 1e-12
        worst = max(abs(got[k] - reference[k]) for k in reference)
        assert worst < tolerance, (name, worst)


def test_yahoo_returns_come_from_the_vendor_adjusted_close(builds):
    bases = dict(
        builds["yahoo"].query(
            "select return_basis, count(*) from fct_daily_prices group by return_basis"
        )
    )
    assert set(bases) == {None, "vendor_adj_close"}
    assert builds["yahoo"].query(
        "select count(*) from fct_corporate_actions where source = 'declared'"
    ) == [(0,)]


def test_undeclared_actions_are_detected_in_every_format(builds):
    for name, build in builds.items():
        detected = build.query(
            "select ticker, action_type from fct_corporate_actions where source = 'detected'"
            " order by ticker"
        )
        expected = [("SYNAS.AX", "consolidation"), ("THM01.AX", "split")]
        if name == "stooq":
            expected = [(stooq_ticker(t), a) for t, a in expected]
        assert detected == expected, name


def test_point_in_time_with_faults_and_corporate_actions(builds, tmp_path):
    """Truncate the stooq files at a date between the corporate actions and rebuild."""
    source = Path(builds["stooq"].database).parent.parent / "files"
    truncated = tmp_path / "files"
    (truncated / "prices").mkdir(parents=True)
    cut = CUT.replace("-", "")
    for path in (source / "prices").glob("*.txt"):
        lines = path.read_text().splitlines()
        kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[0] <= cut]
        if len(kept) > 1:
            (truncated / "prices" / path.name).write_text("\n".join(kept) + "\n")
    short = dbt_build(
        tmp_path / "build",
        {
            "prices_path": str(truncated / "prices" / "*.txt"),
            "prices_format": "stooq",
            "universe_path": str(source / "universe.csv"),
            "corporate_actions_path": str(source / "corporate_actions.csv"),
        },
        select=SELECT,
        cautious=True,
    )
    full = builds["stooq"]
    for table, date_column in (
        ("fct_daily_prices", "date"),
        ("fct_price_quarantine", "date"),
        ("int_etf_features_daily", "price_date"),
    ):
        # The two builds read different folders: compare file names, not paths.
        if table == "fct_daily_prices":
            columns = "* exclude (source_file), parse_filename(source_file)"
        elif table == "fct_price_quarantine":
            columns = (
                "* exclude (source_file, reason_detail), parse_filename(source_file),"
                " regexp_replace(reason_detail, ' at .*/', ' at ')"
            )
        else:
            columns = "*"
        query = f"select {columns} from {table} where {date_column} <= '{CUT}' order by all"
        assert full.query(query) == short.query(query), table
    actions = (
        "select * from fct_corporate_actions"
        f" where date <= '{CUT}' and applied_date <= '{CUT}' order by ticker, date, action_type"
    )
    assert full.query(actions) == short.query(actions)
    assert len(full.query(actions)) > 0
