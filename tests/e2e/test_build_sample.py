"""End to end: ``dbt build`` on a tiny embedded sample market, checked against its ground truth."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.e2e

# `sample_build` (tests/e2e/conftest.py): the 30-fund, 6-year sample, built once a session.


def test_core_tables_are_populated(sample_build):
    for table in (
        "dim_etfs",
        "fct_daily_prices",
        "fct_price_quarantine",
        "fct_corporate_actions",
        "mart_data_quality",
    ):
        (count,) = sample_build.query(f"select count(*) from {table}")[0]
        assert count > 0, table
    (n_etfs,) = sample_build.query("select count(*) from dim_etfs")[0]
    assert n_etfs == 30


def test_raw_rows_equal_clean_plus_quarantined_for_every_ticker(sample_build):
    rows = sample_build.query(
        """
        with raw as (select ticker, count(*) as n from sample_prices group by ticker),
        clean as (select ticker, count(*) as n from fct_daily_prices group by ticker),
        quarantined as (select ticker, count(*) as n from fct_price_quarantine group by ticker)
        select raw.ticker, raw.n, coalesce(clean.n, 0), coalesce(quarantined.n, 0)
        from raw
        left join clean using (ticker)
        left join quarantined using (ticker)
        """
    )
    assert len(rows) == 30
    for ticker, n_raw, n_clean, n_quarantined in rows:
        assert n_raw == n_clean + n_quarantined, ticker


def test_unadjusted_consolidation_is_detected_and_not_a_return(sample_build):
    truth = sample_build.query(
        """
        select ticker, date::date from sample_injected_faults
        where fault_type = 'undeclared_corporate_action' and detail like 'consolidation%'
        """
    )
    assert truth, "the sample must hold an undeclared consolidation (the SNAS.AX case)"
    for ticker, day in truth:
        detected = sample_build.query(
            f"""
            select ratio from fct_corporate_actions
            where ticker = '{ticker}' and date = '{day}' and source = 'detected' and is_applied
            """
        )
        assert detected == [(0.1,)], (ticker, day)
        (ret,) = sample_build.query(
            "select daily_return from fct_daily_prices"
            f" where ticker = '{ticker}' and date = '{day}'"
        )[0]
        assert abs(ret) < 0.2, f"{ticker} shows its consolidation as a {ret:.0%} return"
    (max_abs,) = sample_build.query("select max(abs(daily_return)) from fct_daily_prices")[0]
    assert max_abs < 0.5


def test_every_injected_fault_is_caught(sample_build):
    faults = sample_build.query("select ticker, date::date, fault_type from sample_injected_faults")
    kinds = {fault_type for _, _, fault_type in faults}
    assert {"bad_tick", "zero_price", "duplicate_exact", "missing_day"} <= kinds
    for ticker, day, fault_type in faults:
        where = f"ticker = '{ticker}' and date = '{day}'"
        if fault_type == "bad_tick":
            assert sample_build.query(f"select reason from fct_price_quarantine where {where}") == [
                ("bad_tick",)
            ]
        elif fault_type == "zero_price":
            assert sample_build.query(f"select reason from fct_price_quarantine where {where}") == [
                ("non_positive_price",)
            ]
        elif fault_type in ("duplicate_exact", "duplicate_conflicting"):
            assert sample_build.query(f"select reason from fct_price_quarantine where {where}") == [
                ("duplicate_day",)
            ]
            assert sample_build.query(f"select count(*) from fct_daily_prices where {where}") == [
                (1,)
            ]
        elif fault_type in ("missing_day", "outage"):
            (gaps,) = sample_build.query(
                f"""
                select count(*) from mart_data_quality
                where check_name = 'missing_sessions' and ticker = '{ticker}'
                and date > '{day}'
                """
            )[0]
            assert gaps >= 1, (ticker, day, fault_type)
        elif fault_type == "undeclared_corporate_action":
            assert sample_build.query(
                f"select source from fct_corporate_actions where {where} and action_type != "
                "'distribution'"
            ) == [("detected",)]
        elif fault_type == "declared_corporate_action":
            assert sample_build.query(
                f"select source, is_applied from fct_corporate_actions where {where} "
                "and action_type != 'distribution'"
            ) == [("declared", True)]


def test_missing_metadata_is_inferred_and_flagged(sample_build):
    rows = sample_build.query(
        """
        select ticker, asset_class, asset_class_source, inference_method
        from dim_etfs where not has_metadata
        """
    )
    assert rows, "the sample leaves some funds out of its metadata"
    for ticker, asset_class, source, method in rows:
        assert source == "inferred", ticker
        assert method == "return_behaviour", ticker
        assert asset_class == "equity", ticker  # slots 18 and 28 are equity funds


def test_forced_delisting_is_flagged(sample_build):
    # Slot 11 (the first inverse fund) is closed by its issuer 80 % through its life.
    assert sample_build.query("select is_delisted from dim_etfs where ticker = 'BEA01.AX'") == [
        (True,)
    ]
    (n_live_at_end,) = sample_build.query("select count(*) from dim_etfs where not is_delisted")[0]
    assert n_live_at_end >= 25


def test_data_quality_has_no_errors_and_accounts_for_all_rows(sample_build):
    assert sample_build.query("select * from mart_data_quality where severity = 'error'") == []
    ((detail,),) = sample_build.query(
        "select detail from mart_data_quality where check_name = 'row_accounting'"
    )
    assert detail.startswith("raw rows ")


def test_features_are_null_until_their_window_is_full(sample_build):
    rows = sample_build.query(
        """
        select min(obs_index) filter (where momentum_12m is not null),
               min(obs_index) filter (where realized_vol_1m_ann is not null)
        from int_etf_features_daily
        """
    )
    first_mom_12m, first_vol_1m = rows[0]
    assert first_mom_12m == 253
    assert first_vol_1m == 22


# --- scoring -----------------------------------------------------------------------------------


def test_rankings_cover_every_trading_day_once_scoring_starts(sample_build):
    ((first_scored, n_days, n_eligible_min),) = sample_build.query(
        """
        select min(as_of_date), count(distinct as_of_date), min(n_eligible)
        from mart_etf_rankings where is_eligible
        """
    )
    assert n_days > 250
    assert n_eligible_min >= 10
    (missing_days,) = sample_build.query(
        f"""
        select count(*) from int_trading_calendar
        where is_trading_day and price_date >= '{first_scored}'
        and price_date not in (select as_of_date from mart_etf_rankings where is_eligible)
        """
    )[0]
    assert missing_days == 0


def test_scores_spread_no_band_above_40_percent(sample_build):
    (worst,) = sample_build.query(
        """
        select max(n::double / n_eligible) from (
            select as_of_date, any_value(n_eligible) as n_eligible, count(*) as n
            from mart_etf_rankings where is_eligible
            group by as_of_date, least(floor(composite_score / 20), 4)
        )
        """
    )[0]
    assert worst <= 0.4


def test_eligible_funds_have_every_component_and_capped_penalties(sample_build):
    ((nulls, max_penalty, cap_mismatch),) = sample_build.query(
        """
        select
            count(*) filter (where score_risk is null or score_momentum is null
                or score_forecast is null or score_volume is null or composite_score is null),
            max(penalty_points),
            count(*) filter (where penalty_points != least(30, penalty_points_uncapped))
        from mart_etf_rankings where is_eligible
        """
    )
    assert nulls == 0
    assert max_penalty <= 30
    assert cap_mismatch == 0
    (mismatch,) = sample_build.query(
        """
        select count(*) from mart_etf_rankings r
        left join (select as_of_date, ticker, sum(points) as total from mart_etf_penalties
                   group by all) p using (as_of_date, ticker)
        where r.penalty_points_uncapped != coalesce(p.total, 0)
        """
    )[0]
    assert mismatch == 0


def test_unadjusted_consolidation_never_lifts_the_fund_into_the_top_decile(sample_build):
    """The SNAS.AX failure: its 1-for-10 consolidation must not read as +900 % momentum."""
    ((action_date,),) = sample_build.query(
        "select date from fct_corporate_actions where ticker = 'SYNAS.AX' and source = 'detected'"
    )
    rows = sample_build.query(
        f"""
        select as_of_date, score_rank, n_eligible, momentum_12_1, momentum_6m, penalty_points,
               as_of_date <= '{action_date}'::date + 91 as within_three_months
        from mart_etf_rankings
        where ticker = 'SYNAS.AX' and is_eligible
        and as_of_date between '{action_date}' and '{action_date}'::date + 365
        order by as_of_date
        """
    )
    assert len(rows) > 100, "the consolidation must fall inside the scoring history"
    for as_of_date, rank, n_eligible, momentum, momentum_6m, _penalty, early in rows:
        # read unadjusted, the 1-for-10 consolidation would be a +900 % return for a year
        assert momentum is None or momentum < 2.0, (as_of_date, momentum)
        assert momentum_6m is None or momentum_6m < 2.0, (as_of_date, momentum_6m)
        # while the short momentum windows straddle it, it must not lift the fund to the top.
        # (Later the fund ranks on its ordinary record: with quarterly retrains it reached the
        # top decile of 27 on 3 days 11 months on, 12-1 momentum 12 %, forecast score 88.)
        if early:
            assert rank > n_eligible / 10, (as_of_date, rank, n_eligible)
    # the anomaly penalty applies for the three months after the detection
    assert rows[0][5] >= 10


def test_forecast_diagnostics_show_bias_and_calibration(sample_build):
    """mean_error_corrected is ~0 by construction (day-centred forecasts against day-centred
    labels); the diagnostics a user needs are the error against the realised return and the
    calibration slope, recomputed here for one retrain."""
    model_date, error_vs_realised, slope, intercept = sample_build.query(
        """
        select model_date, mean_error_vs_realised, calibration_slope,
               calibration_intercept
        from mart_forecast_diagnostics where member = 'ridge' order by model_date limit 1
        """
    )[0]
    rows = sample_build.query(
        f"""
        select f.forecast_ridge_raw, f.forecast_ridge, p.label_relative_return, p.forward_return
        from ml_forecasts f join int_ml_panel p using (ticker, price_date)
        where f.price_date = '{model_date}' and f.price_date = f.model_date
          and p.label_relative_return is not null
        """
    )
    raw, corrected, label, realised = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    expected_slope, expected_intercept = np.polyfit(raw, label, 1)
    assert slope == pytest.approx(expected_slope, rel=1e-9)
    assert intercept == pytest.approx(expected_intercept, rel=1e-6, abs=1e-12)
    assert error_vs_realised == pytest.approx(np.mean(corrected - realised), rel=1e-9)
    # the bias against realised returns is not centred away
    ((mean_corrected, mean_vs_realised),) = sample_build.query(
        "select avg(abs(mean_error_corrected)), avg(abs(mean_error_vs_realised))"
        " from mart_forecast_diagnostics"
    )
    assert mean_vs_realised > 10 * mean_corrected


def test_regimes_and_weights_are_consistent(sample_build):
    (bad,) = sample_build.query(
        """
        select count(*) from mart_etf_rankings r
        join mart_regimes g on g.date = r.as_of_date
        where r.regime != g.regime or r.weight_risk != g.weight_risk
        """
    )[0]
    assert bad == 0
    (latest,) = sample_build.query("select count(distinct as_of_date) from mart_latest_rankings")[0]
    assert latest == 1


def test_latest_rankings_are_the_last_day_of_the_rankings(sample_build):
    """Today's list (its inputs cut to the latest day before the joins) and the daily
    rankings (every day joined, then written) are the same rows on that day: one definition
    of the published row, macros/scoring/etf_rankings_detailed.sql, asked for different days."""
    last_day = "(select max(as_of_date) from mart_etf_rankings)"
    (n_latest,) = sample_build.query("select count(*) from mart_latest_rankings")[0]
    (n_day,) = sample_build.query(
        f"select count(*) from mart_etf_rankings where as_of_date = {last_day}"
    )[0]
    assert n_latest == n_day > 0
    for first, second in (
        ("mart_latest_rankings", f"mart_etf_rankings where as_of_date = {last_day}"),
        (f"mart_etf_rankings where as_of_date = {last_day}", "mart_latest_rankings"),
    ):
        (extra,) = sample_build.query(
            f"select count(*) from (select * from {first} except all select * from {second})"
        )[0]
        assert extra == 0


def test_every_mart_column_is_described(sample_build):
    """dbt docs: every column of every dim_/fct_/mart_ table has a description (with its unit)."""
    import json

    manifest = json.loads((sample_build.database.parent / "target" / "manifest.json").read_text())
    described = {
        node["name"]: {
            name.lower() for name, column in node["columns"].items() if column["description"]
        }
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    columns = sample_build.query(
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'main' and (table_name like 'dim\\_%' escape '\\'"
        " or table_name like 'fct\\_%' escape '\\' or table_name like 'mart\\_%' escape '\\')"
    )
    assert len({t for t, _ in columns}) >= 15
    undocumented = [(t, c) for t, c in columns if c.lower() not in described.get(t, set())]
    assert undocumented == []


@pytest.mark.parametrize("model", ["mart_factor_exposures", "mart_stress_tests"])
def test_portfolio_sums_are_the_same_bits_on_every_run(sample_build, model):
    """The portfolio rows add many funds' floats; a plain GROUP BY sum() adds them in an order that
    depends on DuckDB's threads (hundreds of rows differed in the last bits between two runs of
    the same SQL). Rerun each model's SQL on the built warehouse: every row equals the table."""
    compiled = sample_build.database.parent / "target" / "compiled" / "etf_warehouse" / "models"
    sql = next(compiled.rglob(f"{model}.sql")).read_text()
    with sample_build.connect() as con:
        for _ in range(3):
            (differing,) = con.execute(
                f"select count(*) from ((from {model} except all ({sql}))"
                f" union all (({sql}) except all from {model}))"
            ).fetchone()
            assert differing == 0, model
