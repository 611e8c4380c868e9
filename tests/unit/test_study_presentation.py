"""Figures and report follow the study declaration: a study with a fourth instrument
(`hads_anxiety`, 0–21, lower is better) and a fourth time point (`six_months`, between
discharge and the one-year follow-up) shows both in every figure and in the report.

The cohort here is hand-made: four patients, values and numbers typed below."""

from __future__ import annotations

import copy
import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import report_helpers as helpers
from analysis_helpers import declared_study
from matplotlib.collections import LineCollection
from matplotlib.patches import FancyBboxPatch

from rehab.outputs import figures
from rehab.outputs.numbers import read_numbers
from rehab.outputs.plotting_style import OKABE_ITO, timepoint_colours
from rehab.outputs.report import render_report


def _declaration() -> dict:
    declared = copy.deepcopy(helpers.STUDY_DECLARATION)
    declared["instruments"]["hads_anxiety"] = {
        "label": "Anxiety (HADS-A)",
        "short_label": "HADS-A",
        "domain": "anxiety",
        "unit": "",
        "type": "integer",
        "range": [0, 21],
        "better": "lower",
        "responders": [
            {
                "name": "primary",
                "absolute": 2,
                "relative": None,
                "combine": "either",
                "citation": "citation for hads",
                "cited": {"absolute": 1.5},
            },
            {"name": "relative_30", "absolute": None, "relative": 30, "citation": "citation for hads, relative"},
        ],
    }
    declared["timepoints"].insert(
        2, {"name": "six_months", "label": "6 months after discharge", "short_label": "6 months"}
    )
    return declared


INSTRUMENTS = ["nprs", "dri", "eq_vas", "hads_anxiety"]
TIMEPOINTS = ["start", "discharge", "six_months", "followup"]
FOLLOWED = TIMEPOINTS[1:]
# per patient and time point: (nprs, dri, eq_vas, hads_anxiety); None = no row.
VALUES = {
    "A": [(8, 60.0, 40, 15), (6, 50.0, 50, 12), (5, 45.0, 55, 10), (4, 40.0, 60, 9)],
    "B": [(7, 50.0, 50, 11), (7, 48.0, 52, 11), (6, 47.0, 50, 10), None],
    "C": [(6, 35.0, 45, 8), (3, 25.0, 70, 5), (3, 20.0, 72, 4), (2, 18.0, 75, 3)],
    "D": [(9, 70.0, 30, 18), None, (8, 65.0, 35, 17), (7, 60.0, 40, 14)],
}
# responders (primary): n_responders, n_evaluable, pct, ci_low, ci_high; hads at 6 months: none evaluable.
RESPONDERS = {
    ("nprs", "discharge"): (2, 3, 66.7, 20.8, 93.9),
    ("nprs", "six_months"): (2, 4, 50.0, 15.0, 85.0),
    ("nprs", "followup"): (3, 3, 100.0, 43.9, 100.0),
    ("dri", "discharge"): (1, 3, 33.3, 6.1, 79.2),
    ("dri", "six_months"): (2, 4, 50.0, 15.0, 85.0),
    ("dri", "followup"): (2, 3, 66.7, 20.8, 93.9),
    ("eq_vas", "discharge"): (2, 3, 66.7, 20.8, 93.9),
    ("eq_vas", "six_months"): (1, 4, 25.0, 4.6, 69.9),
    ("eq_vas", "followup"): (2, 3, 66.7, 20.8, 93.9),
    ("hads_anxiety", "discharge"): (2, 3, 66.7, 20.8, 93.9),
    ("hads_anxiety", "six_months"): (0, 0, None, None, None),
    ("hads_anxiety", "followup"): (3, 3, 100.0, 43.9, 100.0),
}


def _outcomes() -> pd.DataFrame:
    rows = [
        (patient, timepoint, *values)
        for patient, visits in VALUES.items()
        for timepoint, values in zip(TIMEPOINTS, visits, strict=False)
        if values is not None
    ]
    frame = pd.DataFrame(rows, columns=["patient_id", "timepoint", *INSTRUMENTS])
    frame["timepoint"] = pd.Categorical(frame["timepoint"], categories=TIMEPOINTS, ordered=True)
    return frame


def _numbers() -> dict[str, str]:
    values = dict(helpers.numbers())  # the study-free keys (validation, program, interventions)
    values = {
        k: v for k, v in values.items() if not k.startswith(("responders.", "outcomes.", "subgroups.", "flow.with_"))
    }
    values.update(
        {"flow.patients": "4", "flow.with_discharge": "3", "flow.with_six_months": "4", "flow.with_followup": "3"}
    )
    for (instrument, timepoint), (n, evaluable, pct, low, high) in RESPONDERS.items():
        prefix = f"responders.{instrument}.{timepoint}"
        values.update({f"{prefix}.n_responders": str(n), f"{prefix}.n_evaluable": str(evaluable)})
        values.update(
            {
                f"{prefix}.{part}": "" if value is None else str(value)
                for part, value in (("pct", pct), ("ci_low", low), ("ci_high", high))
            }
        )
        values[f"responders.sensitivity.{prefix[len('responders.') :]}.pct"] = "" if pct is None else str(pct / 2)
    return values


def _subgroup_rows() -> pd.DataFrame:
    rows = []
    for instrument in INSTRUMENTS:
        for timepoint in FOLLOWED:
            rows.append((instrument, timepoint, "sex", "Sex", "female", "Women", 0, 2, 1, 50.0, 9.5, 90.5, False))
            rows.append((instrument, timepoint, "sex", "Sex", "male", "Men", 1, 1, None, None, None, None, True))
    return helpers.subgroup_frame(rows)


TABLE4 = pd.DataFrame(
    {
        "Outcome": ["NPRS (0–10)", "DRI, mm (0–100)", "EQ-VAS, mm (0–100)", "HADS-A (0–21)"],
        "Start": ["7.5 [6.3, 8.8]", "55 [39, 68]", "43 [34, 49]", "13 [9, 17]"],
        "Discharge": ["6 [3, 7]", "48 [25, 50]", "52 [50, 70]", "11 [5, 12]"],
        "6 months": ["5.5 [3.5, 7.5]", "46 [26, 61]", "53 [39, 67]", "10 [6, 15]"],
        "1 year": ["4 [2, 7]", "40 [18, 60]", "60 [40, 75]", "9 [3, 14]"],
    }
)


@pytest.fixture(scope="module")
def fixture() -> helpers.Fixture:
    return helpers.Fixture(
        _declaration(), _numbers(), _outcomes(), _subgroup_rows(), {helpers.table_file("outcomes"): TABLE4}
    )


@pytest.fixture(scope="module")
def study(fixture):
    return fixture.study


def _texts(fig) -> list[str]:
    return [text.get_text() for ax in fig.axes for text in ax.texts] + [t.get_text() for t in fig.texts]


def test_time_points_are_coloured_by_their_order(study):
    assert timepoint_colours(study.timepoints) == {
        "start": OKABE_ITO["grey"],
        "discharge": OKABE_ITO["blue"],
        "six_months": OKABE_ITO["orange"],
        "followup": OKABE_ITO["green"],
    }


def test_outcomes_figure_has_a_panel_per_instrument_and_a_box_per_time_point(study):
    fig = figures.outcomes_figure(_outcomes(), study, "weibull")
    assert len(fig.axes) == 4
    for ax in fig.axes:
        assert [t.get_text() for t in ax.get_xticklabels()] == [
            "Start\nn = 4",
            "Discharge\nn = 3",
            "6 months\nn = 4",
            "1 year\nn = 3",
        ]
    hads = fig.axes[3]
    assert hads.get_ylabel() == "Anxiety, HADS-A (0–21)"
    # each panel is titled with its instrument, the direction of improvement below the title
    assert hads.get_title() == "Anxiety (HADS-A)" and fig.axes[2].get_title() == "Overall health (EQ-VAS)"
    assert "lower is better" in [t.get_text() for t in hads.texts]
    assert "higher is better" in [t.get_text() for t in fig.axes[2].texts]
    assert hads.get_ylim()[0] < 0 < 21 < hads.get_ylim()[1] < 22
    assert not any(isinstance(c, LineCollection) for c in hads.collections)  # no per-patient paths
    plt.close(fig)


def test_patient_flow_has_a_box_per_later_time_point(study, tmp_path):
    paths = helpers.write_cohort(
        tmp_path, fixture=helpers.Fixture(_declaration(), _numbers(), _outcomes(), _subgroup_rows())
    )
    fig = figures.patient_flow_figure(read_numbers(paths["numbers"]), pd.read_csv(paths["accounting"]), study)
    boxes = [patch for patch in fig.axes[0].patches if isinstance(patch, FancyBboxPatch)]
    assert len(boxes) == 3 + 3  # export, quarantined, included + one per later time point
    text = "\n".join(_texts(fig))
    assert "With data at 6 months after\ndischarge\nn = 4 (100% of included)\nwithout data: 0" in text
    assert "With data at discharge\nn = 3 (75% of included)" in text
    assert "at least one of NPRS, DRI, EQ-VAS or HADS-A recorded." in text
    plt.close(fig)


def test_responders_figure_has_a_group_per_instrument_and_a_marker_per_later_time_point(study, fixture):
    numbers = {key: (float(value) if value != "" else None) for key, value in fixture.numbers.items()}
    fig = figures.responders_figure(numbers, study, 0.95)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Pain (NPRS)",
        "Disability (DRI)",
        "Overall health (EQ-VAS)",
        "Anxiety (HADS-A)",
    ]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Discharge",
        "6 months after discharge",
        "1 year after discharge",
    ]
    markers = [line for line in ax.lines if line.get_marker() == "o" and len(line.get_ydata()) == 1]
    assert len(markers) == 4 * 3 - 1  # HADS-A at 6 months: nobody evaluable
    assert _texts(fig).count("no data") == 1
    assert markers[-1].get_ydata()[0] == 100.0  # HADS-A at 1 year
    plt.close(fig)


def test_forest_plot_has_a_panel_per_instrument(study, tmp_path):
    rows = figures.read_subgroup_results(helpers.write_csv(_subgroup_rows(), tmp_path / "subgroups.csv"))
    fig = figures.subgroups_forest_figure(rows, study, 2)
    assert [ax.get_title() for ax in fig.axes] == [
        "Pain (NPRS)",
        "Disability (DRI)",
        "Overall health (EQ-VAS)",
        "Anxiety (HADS-A)",
    ]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "Discharge",
        "6 months after discharge",
        "1 year after discharge",
    ]
    assert _texts(fig).count("suppressed (n < 2)") == 4 * 3
    plt.close(fig)


@pytest.fixture(scope="module")
def html(tmp_path_factory, fixture):
    inputs = helpers.report_inputs(tmp_path_factory.mktemp("study"), fixture=fixture)
    return render_report(inputs, helpers.TEMPLATE_DIR)


def _plain(fragment: str) -> str:
    """The text of an HTML fragment, table cells ending in ` |`."""
    cells = re.sub(r"</t[dh]>", " | ", fragment)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cells))


def _section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}">')
    return html[start : html.index("</section>", start)]


def test_summary_gives_every_instrument_at_every_later_time_point(html):
    summary = _plain(_section(html, "summary"))
    assert "3 had outcome data at discharge, 4 at 6 months after discharge and 3 at 1 year after discharge." in summary
    assert (
        "Anxiety: at discharge 67% (2 of 3 evaluable; 95% CI 21 to 94); at 6 months after discharge not "
        "computable (no evaluable patient); at 1 year after discharge 100% (3 of 3 evaluable; 95% CI 44 to 100)."
    ) in summary
    for (instrument, timepoint), (*_, pct, _low, _high) in RESPONDERS.items():
        tagged = f'data-key="responders.{instrument}.{timepoint}.n_evaluable"' in _section(html, "summary")
        assert tagged == (pct is not None), (instrument, timepoint)
    assert "at 6 months after discharge 25% for pain, 25% for disability and 13% for overall health;" in summary


def test_methods_describe_the_fourth_instrument_and_time_point(html):
    methods = _plain(_section(html, "methods"))
    assert "Outcomes are recorded at start, discharge, 6 months after discharge and 1 year after discharge" in methods
    assert "Anxiety: HADS-A, 0–21, whole numbers, lower is better." in methods
    assert "Anxiety (HADS-A), primary: decrease of at least 2 units. Source: citation for hads." in methods
    assert (
        "Anxiety (HADS-A), relative 30: decrease of at least 30% of the start value. Source: citation for hads, relative."
    ) in methods
    # the primary threshold is not the one its citation states: flagged where it is defined
    assert (
        methods.count(
            "The threshold in use (decrease of at least 2 units) differs from the one its source "
            "states (decrease of at least 1.5 units)."
        )
        == 1
    )
    assert methods.count("Threshold differs from its source") == 1
    assert (
        "Pain (NPRS), primary: decrease of at least 2 units. Source: citation for nprs. " in methods
    )  # cited = in use
    assert methods.count("differs from the one its source states") == 1


def test_outcome_section_and_its_table_carry_the_fourth_instrument_and_time_point(html):
    from rehab.outputs import contents

    outcomes = _section(html, "outcomes")
    label = contents.label(contents.item("table", "outcomes"))
    assert "<h2>Outcomes at start, discharge, 6 months and 1 year</h2>" in outcomes
    assert f"{label}. Outcomes at start, discharge, 6 months and 1 year." in outcomes
    assert "Median [q1, q3] and n of NPRS, DRI, EQ-VAS and HADS-A at each time point" in outcomes
    assert '<th scope="col" class="numeric">6 months</th>' in outcomes
    assert '<td class="nowrap">HADS-A (0–21)</td>' in outcomes
    assert "Distributions of NPRS, DRI, EQ-VAS and HADS-A" in outcomes
    responders = _plain(_section(html, "responders"))
    assert "at discharge, 6 months after discharge and 1 year after discharge, per instrument" in responders
    flow = _plain(_section(html, "flow"))
    assert "data at discharge and at 6 months after discharge and at 1 year after discharge." in flow


def test_methods_text_helpers():
    from rehab.core.formatting import join_words, lower_first
    from rehab.outputs.methods import definition_text

    assert join_words([]) == "" and join_words(["a"]) == "a" and join_words(["a", "b", "c"]) == "a, b and c"
    assert lower_first("Discharge") == "discharge" and lower_first("EQ-VAS") == "EQ-VAS" and lower_first("T1") == "T1"
    declared = _declaration()
    declared["instruments"]["dri"]["responders"] = [
        {"name": "primary", "absolute": 10, "relative": 30, "combine": "both", "citation": "x"}
    ]
    dri = declared_study(declared).instrument("dri")
    assert definition_text(dri.primary, dri, "Start") == (
        "decrease of at least 10 mm and decrease of at least 30% of the start value (both thresholds met)"
    )
