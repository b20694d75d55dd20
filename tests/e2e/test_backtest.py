"""End to end: portfolio, costs, walk-forward backtest and trade list on a generated market.

The market is written as files (the long CSV format) so it can be truncated at a date and
rebuilt: the point-in-time check compares holdings and NAV dated <= the cut.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etf_warehouse.sample import SampleConfig
from etf_warehouse.sample.files import write_sample_files
from tests.e2e.backtest_checks import (
    POINT_IN_TIME_STRATEGIES,
    check_nav_reproduces,
    check_summary,
)
from tests.e2e.dbt_runner import DbtResult, dbt_build

pytestmark = pytest.mark.e2e

# Nine years: a year of prices and two of forecast training leave six years (72 monthly
# windows) of walk-forward backtest; 40 funds include delisted ones.
CONFIG = SampleConfig(n_etfs=40, years=9)
CUT = "2023-03-15"
TRADE_LIST_MODELS = "input_files stg_holdings_file__positions int_current_positions mart_trade_list"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("backtest_files")
    return write_sample_files(CONFIG, root, file_format="long").dbt_vars()


@pytest.fixture(scope="module")
def build(files, tmp_path_factory) -> DbtResult:
    return dbt_build(tmp_path_factory.mktemp("backtest_build"), files)


def test_summary_has_every_strategy_in_range(build):
    rows = check_summary(build)
    # the system trades more than the benchmark, and pays for it
    assert rows["composite"][5] > rows["equal_weight"][5]


def test_nav_reproduces_from_holdings_returns_and_costs(build):
    worst = check_nav_reproduces(
        build, ("composite", "equal_weight_unlevered", "equal_weight", "composite_survivors_only")
    )
    assert worst < 1e-6


def test_trades_happen_the_session_after_the_signal(build):
    """Turnover appears on the execution day of each rebalance and on no other day except
    forced delisting sales."""
    (stray,) = build.query(
        """
        select count(*) from mart_backtest_daily as daily
        where daily.strategy = 'composite' and daily.turnover > 0
            and daily.n_delisting_sales = 0
            and daily.date not in (
                select execution_date from mart_portfolio_holdings
                where strategy = 'composite' and execution_date is not null
            )
        """
    )[0]
    assert stray == 0


def test_delisted_funds_are_held_before_their_delisting_and_then_sold(build):
    rows = build.query(
        """
        select etfs.ticker, etfs.last_date, min(holdings.rebalance_date)
        from dim_etfs as etfs
        inner join mart_portfolio_holdings as holdings
            on etfs.ticker = holdings.ticker and holdings.strategy = 'equal_weight'
        where etfs.is_delisted
        group by etfs.ticker, etfs.last_date
        """
    )
    assert len(rows) >= 2
    for ticker, last_date, first_held in rows:
        assert first_held < last_date, ticker
    # never held after it stopped trading: the backtest sold it rather than carrying it
    (held_after,) = build.query(
        """
        select count(*) from mart_portfolio_holdings as holdings
        inner join dim_etfs as etfs on holdings.ticker = etfs.ticker
        where etfs.is_delisted and holdings.rebalance_date > etfs.last_date
        """
    )[0]
    assert held_after == 0
    (nav_gaps,) = build.query(
        "select count(*) from mart_backtest_daily where nav is null or isnan(nav)"
    )[0]
    assert nav_gaps == 0


def test_survivorship_bias_is_reported_per_year(build):
    ((bias, full_cagr, survivors_cagr),) = build.query(
        """
        select survivors.survivorship_bias_ann, full_universe.cagr, survivors.cagr
        from mart_backtest_summary as survivors
        inner join mart_backtest_summary as full_universe
            on full_universe.strategy = 'equal_weight'
        where survivors.strategy = 'equal_weight_survivors_only'
        """
    )
    assert bias == pytest.approx(survivors_cagr - full_cagr)


def test_truncating_the_data_leaves_holdings_and_nav_unchanged(build, files, tmp_path):
    truncated = tmp_path / "files"
    truncated.mkdir()
    for path in Path(files["prices_path"]).parent.glob("*.csv"):
        lines = path.read_text().splitlines()
        kept = [lines[0]] + [line for line in lines[1:] if line[:10] <= CUT]
        (truncated / path.name).write_text("\n".join(kept) + "\n")
    short_vars = {**files, "prices_path": str(truncated / "*.csv")}
    short = dbt_build(tmp_path / "build", short_vars)
    strategies = ", ".join(f"'{s}'" for s in POINT_IN_TIME_STRATEGIES)
    holdings = (
        "select rebalance_date, strategy, ticker, target_weight, construction_method,"
        f" construction_status, case when execution_date <= '{CUT}' then execution_date end"
        f" from mart_portfolio_holdings where rebalance_date <= '{CUT}'"
        f" and strategy in ({strategies}) order by all"
    )
    nav = (
        "select strategy, date, nav, gross_return, net_return, cost, turnover, drawdown,"
        f" n_positions, cash_weight from mart_backtest_daily where date <= '{CUT}'"
        f" and strategy in ({strategies}) order by all"
    )
    for query in (holdings, nav):
        full_rows, short_rows = build.query(query), short.query(query)
        assert len(full_rows) > 1000
        assert full_rows == short_rows


def rebuild_trade_list(build: DbtResult, files: dict, workdir: Path, holdings: str, **kwargs):
    """Rebuild only the trade list (and its input checks) on a copy of ``build`` with a
    holdings file holding ``holdings``."""
    workdir.mkdir()
    shutil.copy(build.database, workdir / "warehouse.duckdb")
    path = workdir / "holdings.csv"
    path.write_text(holdings)
    return dbt_build(
        workdir, {**files, "holdings_path": str(path)}, select=TRADE_LIST_MODELS, **kwargs
    )


def test_trade_list_from_a_holdings_file(build, files, tmp_path):
    ((target,),) = build.query(
        "select ticker from mart_trade_list order by target_weight desc, ticker limit 1"
    )
    ((not_targeted,),) = build.query(
        """
        select ticker from mart_latest_rankings
        where is_eligible and ticker not in (select ticker from latest_targets)
        order by ticker limit 1
        """
    )
    result = rebuild_trade_list(
        build, files, tmp_path / "trades", f"ticker,units\n{target},100\n{not_targeted},250\n"
    )
    trades = {
        row[0]: row[1:]
        for row in result.query(
            """
            select ticker, side, current_units, current_weight, target_weight, trade_units,
                trade_value, est_spread_cost, est_impact_cost, participation_rate,
                days_to_execute, price
            from mart_trade_list
            """
        )
    }
    side, units, weight, target_weight, trade_units, value, spread, impact, rate, days, price = (
        trades[not_targeted]
    )
    assert (side, units, target_weight, trade_units) == ("sell", 250, 0, 250)
    assert weight == pytest.approx(250 * price / 1_000_000)
    assert value == pytest.approx(250 * price)
    assert spread > 0 and impact > 0 and rate > 0 and days >= 1
    assert trades[target][1] == 100
    total_target = sum(row[3] for row in trades.values())
    assert 0.99 < total_target <= 1 + 1e-9
    ((half_spread,),) = result.query(
        f"""
        select half_spread from int_cost_inputs where ticker = '{not_targeted}'
        order by price_date desc limit 1
        """
    )
    assert spread == pytest.approx(value * half_spread)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("ticker,units\nAEQ01.AX,10\nAEQ02.AX,ten\n", "line 3"),
        ("ticker,units\nAEQ01.AX,10\nAEQ01.AX,5\n", "listed more than once (first on line 2)"),
        ("ticker,units\nNOPE.AX,10\n", "NOPE.AX has no prices"),
        ("name,units\nAEQ01.AX,10\n", "ticker"),
    ],
)
def test_malformed_holdings_file_is_rejected_naming_file_and_line(
    build, files, tmp_path, content, message
):
    result = rebuild_trade_list(build, files, tmp_path / "trades", content, expect_success=False)
    assert "holdings.csv" in result.output
    assert message in result.output
