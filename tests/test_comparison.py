"""The cross-cohort comparison: display values, missing values, the report's escaping."""

import pandas as pd
import pytest

from rehab.comparison import (
    comparison_numbers,
    comparison_table,
    render_comparison_report,
    responder_figure,
)
from rehab.numbers import read_numbers


def numbers(**overrides):
    base = {
        "flow.patients": 274.0,
        "baseline.age.mean": 41.5,
        "baseline.age.sd": 13.35,
        "responders.nprs.discharge.pct": 45.0,
        "responders.nprs.discharge.ci_low": 38.5,
        "responders.nprs.discharge.ci_high": 51.7,
        "responders.nprs.discharge.n_responders": 90.0,
        "responders.nprs.discharge.n_evaluable": 200.0,
    }
    base.update(overrides)
    return base


def test_values_are_shown_half_up_side_by_side():
    table = comparison_table({"a": numbers(), "b": numbers(**{"flow.patients": 10.0})}).set_index("measure")
    assert table.loc["Patients", "a"] == "274"
    assert table.loc["Patients", "b"] == "10"
    # 41.5 -> 42 and 13.35 -> 13.4: half up, as the paper rounds (not banker's rounding)
    assert table.loc["Age, years, mean ± SD", "a"] == "42 ± 13.4"
    assert table.loc["Pain (NPRS) responders at discharge, % (95% CI) n/N", "a"] == "45 (39–52) 90/200"


def test_missing_value_shows_a_dash_not_nan():
    table = comparison_table({"a": numbers(**{"responders.nprs.discharge.pct": None})}).set_index("measure")
    assert table.loc["Pain (NPRS) responders at discharge, % (95% CI) n/N", "a"] == "—"
    assert table.loc["Pain (NPRS) responders at 1-year follow-up, % (95% CI) n/N", "a"] == "—"


def test_numbers_round_trip_full_precision(tmp_path):
    path = tmp_path / "numbers.csv"
    pd.DataFrame({"key": ["flow.patients", "baseline.age.mean", "x"], "value": ["3", "41.123456789", ""]}).to_csv(path, index=False)
    read = read_numbers(path)
    assert read["baseline.age.mean"] == 41.123456789 and read["x"] is None
    long = comparison_numbers({"c": read})
    assert long.set_index("key").loc["baseline.age.mean", "value"] == "41.123456789"


def test_report_escapes_cohort_names_and_is_self_contained(tmp_path):
    cohort = "<script>alert(1)</script>"
    by_cohort = {cohort: numbers()}
    png, svg, html = tmp_path / "f.png", tmp_path / "f.svg", tmp_path / "r.html"
    responder_figure(by_cohort, png, svg)
    render_comparison_report(comparison_table(by_cohort), png, "workflow/templates/comparison.html.j2", html)
    text = html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "http://" not in text and "https://" not in text


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_figure_bytes_are_deterministic(tmp_path, suffix):
    paths = []
    for run in ("one", "two"):
        png, svg = tmp_path / f"{run}.png", tmp_path / f"{run}.svg"
        responder_figure({"a": numbers(), "b": numbers()}, png, svg)
        paths.append(png if suffix == "png" else svg)
    assert paths[0].read_bytes() == paths[1].read_bytes()
