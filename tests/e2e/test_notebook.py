"""The worked notebook (notebooks/analyst_tour.ipynb) runs top to bottom on a sample build."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.e2e

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_the_notebook_is_its_generator_output():
    """notebooks/make_analyst_tour.py is where the cells are edited; the .ipynb must match."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("tour", NOTEBOOKS / "make_analyst_tour.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stored = nbformat.read(NOTEBOOKS / "analyst_tour.ipynb", as_version=4)
    assert [c.source for c in stored.cells] == [c.source for c in module.notebook().cells]
    assert all(not c.get("outputs") for c in stored.cells)  # stored without outputs


def test_the_notebook_runs_on_a_sample_build(sample_build, monkeypatch):
    build = sample_build
    monkeypatch.delenv("ETF_WAREHOUSE_SNAPSHOT_PATH", raising=False)
    monkeypatch.setenv("ETF_WAREHOUSE_PATH", str(build.database))
    notebook = nbformat.read(NOTEBOOKS / "analyst_tour.ipynb", as_version=4)
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    ).execute()  # raises on the first cell that fails, including its own arithmetic checks
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    ((top,),) = build.query("select ticker from mart_latest_rankings where score_rank = 1")
    assert f"reading {build.database}" in text
    assert f"top-ranked {top}" in text
    assert "rank 1 of" in text
    # Altair renders each chart as HTML embedding its Vega-Lite spec and data
    charts = [
        o["data"]["text/html"]
        for o in outputs
        if "vegaEmbed" in o.get("data", {}).get("text/html", "")
    ]
    assert len(charts) == 5
    nav = next(html for html in charts if "Strategies after costs" in html)
    assert '"strategy": "composite"' in nav
