"""A bad --vars value stops `dbt build` before any model runs, with an error naming it; an
unknown var is named in a warning."""

from __future__ import annotations

from tests.e2e.dbt_runner import dbt_build


def test_bad_vars_are_named_before_anything_runs(tmp_path):
    result = dbt_build(
        tmp_path,
        {
            "prices_format": "foo",
            "window_3m": "abc",
            "sample_faults": "no",
            "prices_paht": "x/*.txt",
            "sample_end_date": "2025-13",
        },
        expect_success=False,
    )
    for expected in (
        "prices_paht is not a var this project reads (dbt_project.yml lists them): ignored",
        "prices_format = 'foo': must be one of null, stooq, yahoo, long",
        "window_3m = 'abc': must be a whole number",
        "sample_faults = 'no': must be true or false",
        "sample_end_date = '2025-13': must be a date, YYYY-MM-DD",
    ):
        assert expected in result.output
    assert "START sql" not in result.output and "START python" not in result.output
    assert not result.database.exists() or not result.query(
        "select * from information_schema.tables where table_schema = 'main'"
    )


def test_an_unknown_var_is_named_but_does_not_stop_the_run(tmp_path):
    result = dbt_build(tmp_path, {"macro_pth": "macro.csv"}, select="spread_tiers", command="seed")
    assert "macro_pth is not a var this project reads" in result.output
