"""The missing-data figure and the cumulative responder curves: the right marks, "no data"
instead of crashes, and byte-identical files when drawn twice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_helpers import PAPER_STUDY, make_outcomes

from rehab.analysis.missing_data import SCENARIO_LABELS, SCENARIOS
from rehab.analysis.responders import responder_curves
from rehab.outputs import figures
from rehab.outputs.plotting_style import save_figure

ROWS = [
    ("a", "start", 8, 40.0, 50),
    ("a", "discharge", 4, 30.0, 65),
    ("b", "start", 6, 50.0, 40),
    ("b", "discharge", 7, 52.0, 35),
    ("c", "start", 5, 20.0, 70),
    ("c", "discharge", 3, 5.0, 90),
]


def estimates(pct=40.0) -> pd.DataFrame:
    rows = [
        {"instrument": i.name, "timepoint": t.name, "scenario": s, "pct": pct, "ci_low": pct - 5, "ci_high": pct + 5}
        for i in PAPER_STUDY.instruments
        for t in PAPER_STUDY.followed
        for s in SCENARIOS
    ]
    return pd.DataFrame(rows)


def drawn_twice(make, tmp_path):
    paths = []
    for run in (1, 2):
        png, svg = tmp_path / f"{run}.png", tmp_path / f"{run}.svg"
        save_figure(make(), png, svg)
        paths.append((png.read_bytes(), svg.read_bytes()))
    return paths


def test_missing_data_figure_shows_four_estimates_per_instrument_and_time_point(tmp_path):
    fig = figures.missing_data_figure(estimates(), PAPER_STUDY, SCENARIO_LABELS, 0.95)
    for ax in fig.axes:
        assert len(ax.containers) == len(SCENARIOS)  # one errorbar series per estimate
        assert all(len(container.lines[0].get_xdata()) == len(PAPER_STUDY.followed) for container in ax.containers)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == list(SCENARIO_LABELS.values())
    first, second = drawn_twice(
        lambda: figures.missing_data_figure(estimates(), PAPER_STUDY, SCENARIO_LABELS, 0.95), tmp_path
    )
    assert first == second


def test_missing_data_figure_without_numbers_says_no_data():
    fig = figures.missing_data_figure(estimates(np.nan), PAPER_STUDY, SCENARIO_LABELS, 0.95)
    assert all("no data" in [t.get_text() for t in ax.texts] for ax in fig.axes)


def test_responder_curves_mark_the_primary_threshold_and_are_deterministic(tmp_path):
    curves = responder_curves(make_outcomes(ROWS), PAPER_STUDY)
    fig = figures.responder_curves_figure(curves, PAPER_STUDY)
    nprs = fig.axes[0]
    dashed = [line for line in nprs.lines if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in dashed] == [2]
    step = [line for line in nprs.lines if line.get_drawstyle() == "steps-pre" and len(line.get_xdata())]
    assert len(step) == 1  # discharge only: nobody reached the follow-up
    assert list(step[0].get_xdata()) == [-1.0, 2.0, 4.0]  # b worsened by 1, c and a improved by 2 and 4
    assert list(step[0].get_ydata()) == pytest.approx([100.0, 200 / 3, 100 / 3])
    first, second = drawn_twice(lambda: figures.responder_curves_figure(curves, PAPER_STUDY), tmp_path)
    assert first == second


def test_responder_curves_of_an_empty_cohort_say_no_data():
    curves = responder_curves(make_outcomes([("a", "start", 5, None, None)]), PAPER_STUDY)
    fig = figures.responder_curves_figure(curves, PAPER_STUDY)
    assert all("no data" in [t.get_text() for t in ax.texts] for ax in fig.axes)
