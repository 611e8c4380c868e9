"""The report's figures: hand-checked content, "no data" instead of crashes, bounded work for
large cohorts, and byte-identical files when drawn twice."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import report_helpers as helpers
from matplotlib.collections import LineCollection, PathCollection

from rehab.ingest.codebook import load_codebook
from rehab.outputs import contents, figures
from rehab.outputs.numbers import read_numbers
from rehab.outputs.plotting_style import OKABE_ITO, fixed, interval_arms, save_figure, timepoint_colours

STUDY = helpers.study()


def _texts(fig) -> list[str]:
    return [text.get_text() for ax in fig.axes for text in ax.texts] + [t.get_text() for t in fig.texts]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    root = tmp_path_factory.mktemp("fixture")
    return helpers.write_cohort(root)


def test_fixed_rounds_half_up_like_the_paper():
    assert fixed(12.5) == "13"
    assert fixed(0.125, 2) == "0.13"
    assert fixed(2.5) == "3"


def test_box_stats_use_the_cohort_quantile_method():
    values = np.array([1, 2, 3, 4, 5, 6, 7, 8, 100], dtype=float)
    stats = figures.box_stats(values, "weibull")
    # weibull: position (n + 1)p = 2.5, 5 and 7.5; fences 2.5 - 7.5 and 7.5 + 7.5.
    assert (stats["q1"], stats["med"], stats["q3"]) == (2.5, 5.0, 7.5)
    assert (stats["whislo"], stats["whishi"]) == (1.0, 8.0)
    assert figures.box_stats(values, "linear")["q1"] == 3.0


def test_patient_flow_states_the_counts(cohort):
    fig = figures.patient_flow_figure(read_numbers(cohort["numbers"]), pd.read_csv(cohort["accounting"]), STUDY)
    text = "\n".join(_texts(fig))
    assert "n = 9" in text  # patient rows read
    assert "Patients included\nn = 8" in text
    assert "n = 7 (88% of included)\nwithout data: 1" in text
    assert "n = 5 (63% of included)\nwithout data: 3" in text  # 62.5 rounds half up
    assert "sessions.csv: 1 of 66 rows" in text
    plt.close(fig)


def test_intervention_categories_use_codebook_names(cohort):
    fig = figures.intervention_categories_figure(read_numbers(cohort["numbers"]), load_codebook(cohort["codebook"]))
    labels = [label.get_text() for label in fig.axes[0].get_yticklabels()]
    assert labels[0] == "1. Education"
    assert labels[9].startswith("10. Category 10")
    widths = [patch.get_width() for patch in fig.axes[0].patches]
    assert widths[:3] == [100.0, 87.5, 75.0]
    assert "88% (n = 7)" in _texts(fig)
    plt.close(fig)


def test_outcome_panels_are_titled_by_instrument_and_draw_every_value_without_paths(cohort):
    fig = figures.outcomes_figure(pd.read_parquet(cohort["outcomes"]), STUDY, "weibull")
    nprs_panel = fig.axes[0]
    assert [ax.get_title() for ax in fig.axes] == ["Pain (NPRS)", "Disability (DRI)", "Overall health (EQ-VAS)"]
    assert [t.get_text() for t in nprs_panel.texts] == ["lower is better"]
    assert not any(isinstance(c, LineCollection) for c in nprs_panel.collections)
    points = [len(c.get_offsets()) for c in nprs_panel.collections if isinstance(c, PathCollection)]
    assert points == [8, 7, 5]  # every patient's value at start, discharge and 1 year
    assert [t.get_text() for t in nprs_panel.get_xticklabels()] == ["Start\nn = 8", "Discharge\nn = 7", "1 year\nn = 5"]
    assert "Points: each patient's value." in _texts(fig)[-1]
    plt.close(fig)


def test_a_time_point_nobody_reached_shows_no_data(tmp_path):
    paths = helpers.write_cohort(tmp_path, followup=False)
    numbers = read_numbers(paths["numbers"])
    outcome_fig = figures.outcomes_figure(pd.read_parquet(paths["outcomes"]), STUDY, "weibull")
    assert _texts(outcome_fig).count("no data") == 3  # one follow-up box per outcome
    responder_fig = figures.responders_figure(numbers, STUDY, 0.95)
    assert _texts(responder_fig).count("no data") == 3
    forest = figures.subgroups_forest_figure(figures.read_subgroup_results(paths["subgroups"]), STUDY, 5)
    assert _texts(forest).count("no data") == 9  # every group's follow-up, 3 outcomes
    for fig in (outcome_fig, responder_fig, forest):
        save_figure(fig, tmp_path / "f.png", tmp_path / "f.svg")


def test_empty_cohort_figures_do_not_fail(tmp_path):
    empty_outcomes = helpers.clean_outcomes().iloc[0:0]
    fig = figures.outcomes_figure(empty_outcomes, STUDY, "weibull")
    assert _texts(fig).count("no data") == 9
    sessions = figures.sessions_per_patient_figure(helpers.clean_patients().iloc[0:0], {})
    assert "no data" in _texts(sessions)
    no_rows = figures.read_subgroup_results(helpers.write_csv(helpers.subgroup_rows().iloc[0:0], tmp_path / "s.csv"))
    forest = figures.subgroups_forest_figure(no_rows, STUDY, 5)
    assert "no data" in _texts(forest)
    for each in (fig, sessions, forest):
        save_figure(each, tmp_path / "e.png", tmp_path / "e.svg")


def test_responders_plot_the_wilson_interval(cohort):
    fig = figures.responders_figure(read_numbers(cohort["numbers"]), STUDY, 0.95)
    ax = fig.axes[0]
    points = [line.get_ydata()[0] for line in ax.lines if len(line.get_ydata()) == 1 and line.get_marker() == "o"]
    assert points[:2] == pytest.approx([42.857142857142854, 60.0])
    assert "43%" in _texts(fig) and "n = 7" in _texts(fig)
    assert "95% CI" in ax.get_ylabel()
    plt.close(fig)


def test_sessions_histogram_counts_patients_per_session_count(cohort):
    fig = figures.sessions_per_patient_figure(pd.read_parquet(cohort["patients"]), read_numbers(cohort["numbers"]))
    heights = [int(patch.get_height()) for patch in fig.axes[0].patches]
    assert heights == list(np.bincount(helpers.SESSIONS))
    assert any("median 9 [5.5, 12]" in text for text in _texts(fig))
    plt.close(fig)


def test_sessions_histogram_counts_on_whole_numbers():
    """A count axis has no 2.5-patient tick, whatever the counts (here at most 3 per bar)."""
    patients = pd.DataFrame({"n_sessions": pd.array([1, 2, 2, 3, 3, 3, 5, 8], dtype="Int64")})
    fig = figures.sessions_per_patient_figure(patients, {})
    ax = fig.axes[0]
    fig.canvas.draw()
    visible = [tick for tick in ax.get_yticks() if ax.get_ylim()[0] <= tick <= ax.get_ylim()[1]]
    assert visible and all(float(tick).is_integer() for tick in visible)
    assert all(float(tick).is_integer() for tick in ax.get_xticks())
    plt.close(fig)


def test_intervention_axis_label_fits_the_figure(cohort):
    """The x-axis label (two lines) lies inside the figure: it was cut at the right edge."""
    fig = figures.intervention_categories_figure(read_numbers(cohort["numbers"]), load_codebook(cohort["codebook"]))
    fig.canvas.draw()
    label = fig.axes[0].xaxis.label
    box = label.get_window_extent(fig.canvas.get_renderer())
    assert label.get_text() == "Patients who received the category at least once\n% of n = 8"
    assert 0 <= box.x0 and box.x1 <= fig.bbox.width
    plt.close(fig)


def test_subgroup_results_are_read_with_their_labels_and_order(cohort):
    rows = figures.read_subgroup_results(cohort["subgroups"])
    assert list(rows.columns) == figures.SUBGROUP_COLUMNS
    first = rows.iloc[:3]
    assert first[["subgroup", "group", "outcome", "timepoint"]].values.tolist() == [
        ["Sex", "Women", "nprs", "discharge"],
        ["Sex", "Men", "nprs", "discharge"],
        ["Age, years", "18–29", "nprs", "discharge"],
    ]
    assert first["suppressed"].tolist() == [False, True, False]
    assert first["pct"].isna().tolist() == [False, True, False]


def test_forest_marks_suppressed_groups(cohort):
    rows = figures.read_subgroup_results(cohort["subgroups"])
    fig = figures.subgroups_forest_figure(rows, STUDY, 5, 0.9)
    assert _texts(fig).count("suppressed (n < 5)") == 6  # Men, 3 outcomes x 2 time points
    ticks = fig.axes[0].get_yticklabels()
    assert [t.get_text() for t in ticks] == ["Sex", "Women", "Men", "Age, years", "18–29"]
    assert [t.get_fontweight() for t in ticks] == ["bold", "normal", "normal", "bold", "normal"]
    assert fig.axes[0].get_xlabel() == "Responders, % (90% CI)"
    points = [line for line in fig.axes[0].lines if line.get_marker() == "o"]
    assert list(points[0].get_xdata()) == [40.0, 50.0]  # discharge: Women, 18–29
    plt.close(fig)


def test_forest_draws_a_group_at_zero_percent_whose_bound_rounds_past_it(cohort):
    rows = figures.read_subgroup_results(cohort["subgroups"])
    shown = ~rows["suppressed"].astype(bool) & rows["pct"].notna()
    first = rows.index[shown][0]
    rows.loc[first, ["pct", "ci_low", "ci_high"]] = [0.0, 1e-14, 20.0]  # Wilson low a hair above 0
    fig = figures.subgroups_forest_figure(rows, STUDY, 5, 0.95)
    points = [line for line in fig.axes[0].lines if line.get_marker() == "o"]
    assert 0.0 in list(points[0].get_xdata())
    plt.close(fig)


def test_interval_arms_are_never_negative_and_missing_bounds_give_none():
    below, above = interval_arms([0.0, 50.0, 100.0], [1e-14, 40.0, float("nan")], [20.0, 61.0, 100.0 - 1e-13])
    assert below.tolist() == [0.0, 10.0, 0.0]
    assert above.tolist() == [20.0, 11.0, 0.0]


def test_figures_are_byte_identical_when_drawn_twice(cohort, tmp_path):
    first = helpers.draw_figures(cohort, tmp_path / "first")
    second = helpers.draw_figures(cohort, tmp_path / "second")
    assert first.keys() == second.keys() and sorted(first) == sorted(e.name for e in contents.of_kind("figure"))
    for name in first:
        assert first[name].read_bytes() == second[name].read_bytes(), name
        png = first[name].with_suffix(".png").read_bytes()
        assert png == second[name].with_suffix(".png").read_bytes(), name
        assert b"Software" not in png
    assert b"<dc:date>" not in first["outcomes"].read_bytes()


def test_outcomes_figure_samples_points_and_drops_paths_for_large_cohorts():
    n = 200_000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "patient_id": np.repeat(np.arange(n).astype(str), 3),
            "timepoint": pd.Categorical(
                np.tile(["start", "discharge", "followup"], n), categories=helpers.TIMEPOINTS, ordered=True
            ),
            "nprs": rng.integers(0, 11, 3 * n),
            "dri": rng.uniform(0, 100, 3 * n),
            "eq_vas": rng.integers(0, 101, 3 * n),
        }
    )
    fig = figures.outcomes_figure(frame, STUDY, "weibull")
    for ax in fig.axes:
        assert not any(isinstance(c, LineCollection) for c in ax.collections)
        points = [c for c in ax.collections if isinstance(c, PathCollection)]
        assert all(len(c.get_offsets()) <= figures.MAX_POINTS_PER_BOX for c in points)
    plt.close(fig)


def test_the_papers_time_points_keep_their_colours():
    assert timepoint_colours(STUDY.timepoints) == {
        "start": OKABE_ITO["grey"],
        "discharge": OKABE_ITO["blue"],
        "followup": OKABE_ITO["orange"],
    }
