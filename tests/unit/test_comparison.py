"""The cross-cohort comparison: display values, missing values, the report's escaping."""

import copy
from pathlib import Path

import pandas as pd
import pytest
import report_helpers as helpers
from analysis_helpers import declared_study

from rehab.outputs.comparison import (
    comparison_numbers,
    comparison_table,
    render_comparison_report,
    responder_figure,
    shared_study,
)
from rehab.outputs.numbers import read_numbers
from rehab.workflow.comparison_name import comparison_name

STUDY = helpers.study()


def studies(*cohorts, study=STUDY):
    return {cohort: study for cohort in cohorts}


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
    table = comparison_table({"a": numbers(), "b": numbers(**{"flow.patients": 10.0})}, studies("a", "b")).set_index(
        "measure"
    )
    assert table.loc["Patients", "a"] == "274"
    assert table.loc["Patients", "b"] == "10"
    # 41.5 -> 42 and 13.35 -> 13.4: half up, as the paper rounds (not banker's rounding)
    assert table.loc["Age, years, mean ± SD", "a"] == "42 ± 13.4"
    assert table.loc["Pain (NPRS) responders at discharge, % (95% CI) n/N", "a"] == "45 (39–52) 90/200"


def test_missing_value_shows_a_dash_not_nan():
    table = comparison_table({"a": numbers(**{"responders.nprs.discharge.pct": None})}, studies("a")).set_index(
        "measure"
    )
    assert table.loc["Pain (NPRS) responders at discharge, % (95% CI) n/N", "a"] == "—"
    assert table.loc["Pain (NPRS) responders at 1 year after discharge, % (95% CI) n/N", "a"] == "—"


def test_numbers_round_trip_full_precision(tmp_path):
    path = tmp_path / "numbers.csv"
    pd.DataFrame({"key": ["flow.patients", "baseline.age.mean", "x"], "value": ["3", "41.123456789", ""]}).to_csv(
        path, index=False
    )
    read = read_numbers(path)
    assert read["baseline.age.mean"] == 41.123456789 and read["x"] is None
    long = comparison_numbers({"c": read}, studies("c"))
    assert long.set_index("key").loc["baseline.age.mean", "value"] == "41.123456789"


def test_report_escapes_cohort_names_and_is_self_contained(tmp_path):
    cohort = "<script>alert(1)</script>"
    by_cohort = {cohort: numbers()}
    png, svg, html = tmp_path / "f.png", tmp_path / "f.svg", tmp_path / "r.html"
    responder_figure(by_cohort, studies(cohort), png, svg)
    render_comparison_report(
        comparison_table(by_cohort, studies(cohort)),
        png,
        "workflow/templates/comparison.html.j2",
        html,
        studies(cohort),
        "escaping",
    )
    text = html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "http://" not in text and "https://" not in text


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_figure_bytes_are_deterministic(tmp_path, suffix):
    paths = []
    for run in ("one", "two"):
        png, svg = tmp_path / f"{run}.png", tmp_path / f"{run}.svg"
        responder_figure({"a": numbers(), "b": numbers()}, studies("a", "b"), png, svg)
        paths.append(png if suffix == "png" else svg)
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_measures_follow_the_declaration():
    table = comparison_table({"a": numbers()}, studies("a"))
    measures = table["measure"].tolist()
    assert measures[:3] == ["Patients", "With data at discharge", "With data at 1 year after discharge"]
    assert "Disability (DRI) at start, median [q1, q3]" in measures
    responders = [m for m in measures if "responders" in m]
    assert len(responders) == len(STUDY.instruments) * len(STUDY.followed) == 6


def _other_study():
    """The paper's study without its disability instrument and with a 3-month time point."""
    declared = copy.deepcopy(helpers.STUDY_DECLARATION)
    del declared["instruments"]["dri"]
    declared["instruments"]["nprs"]["responders"][0]["absolute"] = 3
    declared["timepoints"].insert(2, {"name": "three_months", "label": "3 months"})
    return declared_study(declared)


def test_cohorts_with_different_declarations_are_compared_on_what_they_share(tmp_path):
    by_study = {"a": STUDY, "b": _other_study()}
    shared = shared_study(by_study)
    assert [i.name for i in shared.instruments] == ["nprs", "eq_vas"]
    assert [t.name for t in shared.followed] == ["discharge", "followup"]
    assert shared.note == (
        "The cohorts declare different studies; they are compared on the instruments (Pain (NPRS) and "
        "Overall health (EQ-VAS)) and the time points after the baseline (Discharge and 1 year after discharge) "
        "that they share. Not compared: Disability (DRI) (cohort a); 3 months (cohort b). "
        "The responder definitions differ between the cohorts for Pain (NPRS)."
    )
    table = comparison_table({"a": numbers(), "b": numbers()}, by_study)
    assert not table["measure"].str.contains("DRI|3 months").any()
    assert table["measure"].str.contains("responders").sum() == 4
    png, svg, html = tmp_path / "f.png", tmp_path / "f.svg", tmp_path / "r.html"
    responder_figure({"a": numbers(), "b": numbers()}, by_study, png, svg)
    render_comparison_report(table, png, "workflow/templates/comparison.html.j2", html, by_study, "a+b")
    text = html.read_text(encoding="utf-8")
    assert 'id="study-differences"' in text and "Not compared: Disability (DRI) (cohort a)" in text
    assert "at discharge and at 1 year after discharge.</figcaption>" in text


def test_cohorts_with_one_declaration_carry_no_note():
    assert shared_study(studies("a", "b")).note == ""


def test_the_comparison_shares_the_main_report_style(tmp_path):
    png, svg, html = tmp_path / "f.png", tmp_path / "f.svg", tmp_path / "r.html"
    responder_figure({"a": numbers()}, studies("a"), png, svg)
    render_comparison_report(
        comparison_table({"a": numbers()}, studies("a")), png, "workflow/templates/comparison.html.j2", html,
        studies("a"), "a"
    )  # fmt: skip
    text = html.read_text(encoding="utf-8")
    style = Path("workflow/templates/report_style.css").read_text(encoding="utf-8")
    assert style.strip() in text
    assert '{% include "report_style.css" %}' in Path("workflow/templates/report.html.j2").read_text(encoding="utf-8")
    assert '<header class="top">' in text and "comparison <code>a</code>" in text


@pytest.mark.parametrize(
    "configured, cohorts, expected",
    [
        (None, ["reference"], "reference"),
        (None, ["reference", "clinic_a"], "reference+clinic_a"),
        ("", ["b", "a"], "b+a"),
        ("spring-2024", ["reference", "clinic_a"], "spring-2024"),
        ("../a b{c}", ["x"], "_a_b_c_"),
    ],
)
def test_the_comparison_is_named_by_the_config_or_the_cohorts(configured, cohorts, expected):
    assert comparison_name(configured, cohorts) == expected


def test_a_long_comparison_name_is_cut_and_stays_distinct():
    many = [f"clinic_{index:02d}_with_a_long_name" for index in range(12)]
    first, second = comparison_name(None, many), comparison_name(None, [*many[:-1], "other"])
    assert len(first) == len(second) == 100
    assert first != second and first.startswith("clinic_00_with_a_long_name+clinic_01")
