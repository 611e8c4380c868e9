"""Missing data beyond MAR (rehab.analysis.missing_data): the earlier later-time-point value as
an auxiliary variable of the imputation, and the δ-adjustment tipping point; its figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_helpers import PAPER_STUDY, extended_study, make_outcomes, make_patients

from rehab.analysis.missing_data import (
    TIPPING_STATS,
    TIPPING_SUMMARY,
    ImputationSettings,
    TippingPointSettings,
    delta_key,
    logit_estimates,
    missing_data_numbers,
    pool_logit,
    shifted_responders,
    tipping_point,
    tipping_point_estimates,
    tipping_point_table,
)
from rehab.analysis.responders import responder_status
from rehab.outputs.figures_statistics import tipping_point_figure
from rehab.outputs.plotting_style import save_figure

NPRS = PAPER_STUDY.instrument("nprs")
EQ_VAS = PAPER_STUDY.instrument("eq_vas")


def nprs_status(observed: list[tuple[int, int]], missing_baselines: list[int]) -> pd.DataFrame:
    """responder_status of NPRS at discharge: (start, discharge) pairs, then patients without discharge."""
    rows = []
    for index, (start, value) in enumerate(observed):
        rows += [(f"o{index:02d}", "start", start, None, None), (f"o{index:02d}", "discharge", value, None, None)]
    rows += [(f"m{index:02d}", "start", start, None, None) for index, start in enumerate(missing_baselines)]
    return responder_status(make_outcomes(rows), NPRS, "discharge", "start")


def test_shifts_move_only_the_imputed_values_in_the_worse_direction_within_the_range():
    # 2 observed (one responder); 2 missing with baseline 8, imputed 5 and 3 in both data sets
    status = nprs_status([(8, 5), (8, 8)], [8, 8])
    imputed = np.array([[5.0, 3.0], [5.0, 3.0]])
    counts = shifted_responders(status, imputed, NPRS, [0.0, 1.0, 2.0, 4.0, 20.0])
    # shift 0: 5 and 3 respond (−3, −5) → 1 + 2; shift 1: 6, 4 → 3; shift 2: 7 (−1), 5 → 2;
    # shift 4: 9, 7 → 1; shift 20: clipped to 10, 10 → 1 (never beyond the worst value)
    assert counts.tolist() == [[3, 3], [3, 3], [2, 2], [1, 1], [1, 1]]


def test_higher_is_better_shifts_down_and_clips_at_the_low_end():
    rows = [("a", "start", None, None, 50), ("a", "discharge", None, None, 70), ("b", "start", None, None, 50)]
    status = responder_status(make_outcomes(rows), EQ_VAS, "discharge", "start")
    counts = shifted_responders(status, np.array([[65.0]]), EQ_VAS, [0.0, 5.0, 6.0, 500.0])
    # 65 − 50 = 15 ≥ 10; minus 5 → 10, still; minus 6 → 9, not; minus 500 → 0 (the low end)
    assert counts.tolist() == [[2], [2], [1], [1]]


def test_tipping_point_by_hand():
    # 10 observed, 6 responders; 10 missing, baseline 8, imputed 5 in every data set
    status = nprs_status([(8, 5)] * 6 + [(8, 8)] * 4, [8] * 10)
    imputed = np.full((3, 10), 5.0)
    tipping = TippingPointSettings(deltas_pct=(10.0, 20.0), min_responder_pct=40.0)  # 1 and 2 NPRS points
    at_mar = pool_logit(*logit_estimates(np.array([16, 16, 16]), 20), 20, 0.95)
    found = tipping_point(status, imputed, NPRS, tipping, at_mar["ci_low"], 0.95)
    # shift 1: 6 is still −2 (16 of 20); shift 2: 7 is −1 (6 of 20: 30%, its bound below 40%)
    assert [row["pct"] for row in found["rows"]] == pytest.approx([80.0, 30.0])
    assert [row["holds"] for row in found["rows"]] == [1, 0]
    assert (found["holds_at_mar"], found["reached"], found["tipping_delta_pct"], found["tipping_shift"]) == (
        1,
        1,
        20.0,
        2.0,
    )
    never = tipping_point(status, imputed, NPRS, TippingPointSettings((10.0,), 40.0), at_mar["ci_low"], 0.95)
    assert (never["reached"], never["tipping_delta_pct"]) == (0, None)  # not reached within the grid
    fails_at_mar = tipping_point(status, imputed, NPRS, TippingPointSettings((10.0,), 90.0), at_mar["ci_low"], 0.95)
    assert (fails_at_mar["holds_at_mar"], fails_at_mar["reached"]) == (0, None)  # nothing left to overturn
    nothing = tipping_point(status, None, NPRS, tipping, None, 0.95)
    assert nothing["holds_at_mar"] is None and all(row["pct"] is None for row in nothing["rows"])


def cohort_with_discharge_carried_forward(n: int = 40):
    """Followup equals discharge for every patient who has both; a third miss the followup.
    The baseline barely predicts the followup: the discharge value does, exactly."""
    rng = np.random.default_rng(3)
    patients = make_patients([{"patient_id": f"p{i:02d}", "age": 30 + i % 20} for i in range(n)])
    rows = []
    for i in range(n):
        discharge = int(rng.integers(2, 9))
        rows += [(f"p{i:02d}", "start", 7 + i % 2, None, None), (f"p{i:02d}", "discharge", discharge, None, None)]
        if i % 3:
            rows.append((f"p{i:02d}", "followup", discharge, None, None))
    return patients, make_outcomes(rows), rows


def test_the_discharge_value_informs_the_imputation_at_followup():
    patients, outcomes, rows = cohort_with_discharge_carried_forward()
    numbers = missing_data_numbers(patients, outcomes, PAPER_STUDY, ImputationSettings(10, 7, ("age",)), 0.95)
    starts = {pid: value for pid, timepoint, value, *_ in rows if timepoint == "start"}
    truth = sum(1 for pid, timepoint, value, *_ in rows if timepoint == "discharge" and starts[pid] - value >= 2)
    # with the discharge value the chain's regression fits exactly, and every donor holds the
    # patient's own discharge value: every imputed data set has the true responders
    assert numbers["responders.nprs.followup.imputed.pct"] == pytest.approx(100 * truth / 40, abs=1e-9)
    assert numbers["responders.nprs.followup.imputed.fmi"] < 0.2


def test_numbers_for_every_instrument_time_point_and_shift_of_a_wider_study():
    study = extended_study()
    rng = np.random.default_rng(5)
    rows = []
    for i in range(30):  # random values: no two columns collinear among the observed patients
        for timepoint in ("start", "discharge", "six_months", "followup")[: 2 if i % 2 == 0 else 4]:
            nprs, dri, eq_vas, hads = (
                rng.integers(0, 11),
                rng.integers(0, 101),
                rng.integers(0, 101),
                rng.integers(0, 22),
            )
            rows.append((f"p{i}", timepoint, int(nprs), float(dri), int(eq_vas), int(hads)))
    patients = make_patients([{"patient_id": f"p{i}", "age": 30 + i % 17} for i in range(30)])
    tipping = TippingPointSettings(deltas_pct=(2.5, 10.0), min_responder_pct=20.0)
    numbers = missing_data_numbers(
        patients, make_outcomes(rows, study), study, ImputationSettings(4, 1, ("age",)), 0.95, tipping
    )
    assert numbers["responders.missing_data.tipping_point.min_responder_pct"] == 20.0
    for instrument in study.instrument_names:
        for timepoint in ("discharge", "six_months", "followup"):
            prefix = f"responders.{instrument}.{timepoint}.tipping_point"
            assert {f"{prefix}.{stat}" for stat in TIPPING_SUMMARY} <= set(numbers)
            for delta in ("delta_2_5", "delta_10"):
                assert {f"{prefix}.{delta}.{stat}" for stat in TIPPING_STATS} <= set(numbers)
    assert numbers["responders.hads_anxiety.followup.tipping_point.delta_10.shift"] == pytest.approx(2.1)  # 10% of 0–21
    table = tipping_point_table(numbers, study, tipping)
    assert len(table) == 4 * 3 * 3 and table.columns[-1] == "lower_bound_above_20_pct"
    assert table["delta_pct_of_range"].tolist()[:3] == ["0 (MAR)", "2.5", "10"]
    assert delta_key(2.5) == "delta_2_5"


def estimates(holds=(1, 1, 0), pct=(50.0, 40.0, 30.0)) -> pd.DataFrame:
    tipping = TippingPointSettings(deltas_pct=(10.0, 20.0), min_responder_pct=35.0)
    numbers = {}
    for instrument in PAPER_STUDY.instruments:
        for timepoint in PAPER_STUDY.followed:
            prefix = f"responders.{instrument.name}.{timepoint.name}"
            numbers |= {f"{prefix}.imputed.pct": pct[0], f"{prefix}.imputed.ci_low": pct[0] - 6}
            numbers |= {f"{prefix}.imputed.ci_high": pct[0] + 6, f"{prefix}.tipping_point.holds_at_mar": holds[0]}
            for delta, value, held in zip(tipping.deltas_pct, pct[1:], holds[1:], strict=True):
                key = f"{prefix}.tipping_point.{delta_key(delta)}"
                numbers |= {f"{key}.pct": value, f"{key}.ci_low": value - 6, f"{key}.ci_high": value + 6}
                numbers |= {f"{key}.holds": held}
    return tipping_point_estimates(numbers, PAPER_STUDY, tipping)


def test_the_figure_marks_the_tipping_point_and_is_drawn_the_same_twice(tmp_path):
    fig = tipping_point_figure(estimates(), PAPER_STUDY, 35.0, 0.95)
    for ax in fig.axes:
        lines = [line for line in ax.lines if len(line.get_xdata()) == 3]
        assert [list(line.get_xdata()) for line in lines] == [[0.0, 10.0, 20.0]] * len(PAPER_STUDY.followed)
        markers = [line for line in ax.lines if len(line.get_xdata()) == 1]
        assert [(line.get_xdata()[0], line.get_ydata()[0]) for line in markers] == [(20.0, 24.0)] * 2
    drawn = []
    for run in (1, 2):
        save_figure(
            tipping_point_figure(estimates(), PAPER_STUDY, 35.0, 0.95), tmp_path / f"{run}.png", tmp_path / f"{run}.svg"
        )
        drawn.append(((tmp_path / f"{run}.png").read_bytes(), (tmp_path / f"{run}.svg").read_bytes()))
    assert drawn[0] == drawn[1]


def test_the_figure_without_estimates_says_no_data():
    fig = tipping_point_figure(estimates(pct=(np.nan, np.nan, np.nan)), PAPER_STUDY, 35.0, 0.95)
    assert all("no data" in [text.get_text() for text in ax.texts] for ax in fig.axes)
