"""etfw's own arguments: --version, the build/dashboard aliases, and a bad --vars for live."""

from __future__ import annotations

import pytest

from etf_warehouse import __version__, cli


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"etfw {__version__}"


def test_build_and_dashboard_run_the_scripts_with_dbt_arguments(monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "_run_script", lambda name, args: calls.append((name, args)) or 0)
    assert cli.main(["build", "--vars", "{prices_path: x/*.txt}", "-s", "+mart_etf_rankings"]) == 0
    assert cli.main(["dashboard"]) == 0
    assert calls == [
        ("build.sh", ["--vars", "{prices_path: x/*.txt}", "-s", "+mart_etf_rankings"]),
        ("dashboard.sh", []),
    ]


def test_the_scripts_exist_where_the_aliases_look():
    for name in ("build.sh", "dashboard.sh"):
        assert (cli.PROJECT_ROOT / "scripts" / name).is_file()


def test_other_commands_still_reject_unknown_arguments(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["publish", "--bogus"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "message"),
    [("{prices_path: [", "--vars is not valid YAML"), ("just text", "--vars must be a mapping")],
)
def test_live_names_a_bad_vars_value(value, message, capsys):
    assert cli.main(["live", "--vars", value]) == 2
    assert message in capsys.readouterr().err
