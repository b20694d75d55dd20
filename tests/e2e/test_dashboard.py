"""End to end in a real browser: the dashboard on a published snapshot, every page.

Builds and publishes a small sample (scored, backtested), starts the dashboard on localhost
with `scripts/dashboard.sh`'s settings, and opens each page in Debian's Chromium through
Playwright (never a downloaded browser). Screenshots go to $DASHBOARD_SCREENSHOTS or the test's
temporary folder. Skipped, with a message, where /usr/bin/chromium is not installed
(.ci/run installs it).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from etf_warehouse.publish import publish_snapshot
from tests.e2e.dbt_runner import PROJECT_ROOT

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# page -> text that must render once its data has loaded
PAGES = {
    "rankings": "Top-ranked",
    "distribution": "score_band",
    "etf": "Waterfall: how",
    "portfolio": "Funds held in the target portfolio",
    "backtest": "Equity curves after costs",
    "signals": "Signals ranked by mean rank IC",
    "forecasts": "Out-of-sample rank IC per retrain and member",
    "stress": "Target portfolio",
    "context": "Pressures by region",
    "quality": "Check results",
}


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory, sample_build) -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); browser test skipped")
    path = tmp_path_factory.mktemp("dashboard") / "published" / "snapshot.duckdb"
    run_results = sample_build.database.parent / "target" / "run_results.json"
    publish_snapshot(sample_build.database, path, run_results=run_results)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(snapshot):
    port = _free_port()
    env = {**os.environ, "ETF_WAREHOUSE_SNAPSHOT_PATH": str(snapshot)}
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("streamlit")),
            "run",
            "dashboard/app.py",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise AssertionError(f"the dashboard did not start:\n{proc.stdout.read()}")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = os.environ.get("DASHBOARD_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_dashboard_binds_to_localhost_only(server):
    assert server.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_its_data(server, browser, screenshots, snapshot, page):
    import duckdb

    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        tab.goto(f"{server}/?page={page}", wait_until="networkidle")
        tab.get_by_text(PAGES[page]).first.wait_for(timeout=30_000)
        body = tab.inner_text("body")
        assert "Traceback" not in body
        # an exception in a page renders as Streamlit's exception element
        assert tab.locator("[data-testid='stException']").count() == 0
        if page == "rankings":
            with duckdb.connect(str(snapshot), read_only=True) as con:
                ((top,),) = con.execute(
                    "select ticker from mart_latest_rankings where score_rank = 1"
                ).fetchall()
            tab.get_by_text(top).first.wait_for(timeout=10_000)
        if page == "etf":
            # the fund page opens on the top-ranked fund; its waterfall adds up to its score
            with duckdb.connect(str(snapshot), read_only=True) as con:
                ((top, composite),) = con.execute(
                    "select ticker, composite_score from mart_latest_rankings where score_rank = 1"
                ).fetchall()
            tab.get_by_text("The steps add up to").first.wait_for(timeout=30_000)
            body = tab.inner_text("body")
            assert f"how {top} gets its composite score of {composite:.2f}" in body
            (parts, total), *_ = re.findall(
                r"The steps add up to (\d+\.\d+) = the composite score (\d+\.\d+)", body
            )
            assert float(parts) == pytest.approx(composite, abs=1e-3)
            assert float(total) == pytest.approx(composite, abs=1e-3)
        # the page has finished running: no placeholder left, no "running" status
        tab.wait_for_function(
            "document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0"
            " && !document.querySelector('[data-testid=\"stStatusWidget\"]')",
            timeout=60_000,
        )
        tab.wait_for_timeout(1_500)  # charts draw after their data arrives
        tab.screenshot(path=str(screenshots / f"{page}.png"), full_page=True)
    finally:
        tab.close()
    assert (screenshots / f"{page}.png").stat().st_size > 10_000


def test_a_missing_snapshot_is_explained_not_an_error(tmp_path):
    env = {**os.environ, "ETF_WAREHOUSE_SNAPSHOT_PATH": str(tmp_path / "absent.duckdb")}
    from streamlit.testing.v1 import AppTest

    os.environ.update(env)
    try:
        app = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "app.py")).run(timeout=30)
    finally:
        os.environ.pop("ETF_WAREHOUSE_SNAPSHOT_PATH", None)
    assert not app.exception
    assert any("No published snapshot" in w.value for w in app.warning)
