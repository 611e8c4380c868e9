"""Responder transitions with McNemar's exact test, the flow per instrument, r's bootstrap
interval and the baseline–change correlation, on hand-computed cohorts."""

import math

import numpy as np
import pytest
from analysis_helpers import PAPER_STUDY, extended_study, make_outcomes
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from rehab.analysis.effect_sizes import (
    BootstrapSettings,
    baseline_change_correlation,
    bootstrap_r_interval,
    effect_size_numbers,
    effect_sizes_table,
    regression_to_mean_numbers,
    signed_rank_r,
)
from rehab.analysis.effects import wilcoxon_effect
from rehab.analysis.maintenance import maintenance_numbers
from rehab.analysis.outcomes import outcome_numbers
from rehab.analysis.signed_rank import on_grid
from rehab.analysis.transitions import (
    instrument_flow_numbers,
    instrument_flow_table,
    transition_numbers,
    transitions_table,
)

# NPRS start → discharge → followup (a responder: a decrease of ≥ 2 from start)
PATIENTS = [
    ("a", 8, 5, 5),  # responder at both
    ("b", 8, 5, 5),  # both
    ("c", 8, 5, 7),  # lost
    ("d", 8, 5, 8),  # lost
    ("e", 8, 5, 9),  # lost
    ("f", 8, 7, 4),  # gained
    ("g", 8, 8, 8),  # neither
    ("h", 8, 6, None),  # no followup: not in the 2 × 2
    ("i", 8, None, 3),  # no discharge: not in it either
]


def cohort(study=PAPER_STUDY):
    extra = (None,) * (len(study.instruments) - 1)
    rows = []
    for pid, start, discharge, followup in PATIENTS:
        rows.append((pid, "start", start, *extra))
        if discharge is not None:
            rows.append((pid, "discharge", discharge, *extra))
        if followup is not None:
            rows.append((pid, "followup", followup, *extra))
    return make_outcomes(rows, study)


def test_transitions_by_hand_with_mcnemars_exact_test():
    numbers = transition_numbers(cohort(), PAPER_STUDY)
    prefix = "transitions.nprs.discharge_to_followup"
    assert [numbers[f"{prefix}.{stat}"] for stat in ("n", "both", "lost", "gained", "neither")] == [7, 2, 3, 1, 1]
    # exact McNemar: two-sided binomial test of 3 lost against 1 gained, p = 2 · P(X ≤ 1 | 4, ½) = 0.625
    assert numbers[f"{prefix}.mcnemar_p"] == pytest.approx(0.625)
    assert numbers[f"{prefix}.mcnemar_p"] == pytest.approx(scipy_stats.binomtest(1, 4).pvalue)
    assert numbers["transitions.dri.discharge_to_followup.n"] == 0
    assert numbers["transitions.dri.discharge_to_followup.mcnemar_p"] is None
    table = transitions_table(numbers, PAPER_STUDY)
    assert table.iloc[0][["n", "both", "lost", "gained", "neither", "mcnemar_p"]].tolist() == [
        "7",
        "2",
        "3",
        "1",
        "1",
        "0.625",
    ]


def test_transitions_cover_every_pair_of_later_time_points():
    study = extended_study()  # discharge, six_months, followup: three pairs
    numbers = transition_numbers(cohort(study), study)
    pairs = {key.split(".")[2] for key in numbers}
    assert pairs == {"discharge_to_six_months", "discharge_to_followup", "six_months_to_followup"}
    assert len(transitions_table(numbers, study)) == len(study.instruments) * 3


def test_flow_per_instrument_by_hand():
    outcomes = cohort()
    numbers = instrument_flow_numbers(outcomes, PAPER_STUDY)
    # every later: a–g (h lacks followup, i lacks discharge); every time point: the same, all have start
    assert (numbers["instrument_flow.nprs.every_later"], numbers["instrument_flow.nprs.every_timepoint"]) == (7, 7)
    assert numbers["instrument_flow.dri.every_later"] == 0
    table = instrument_flow_table(outcome_numbers(outcomes, PAPER_STUDY, "weibull") | numbers, PAPER_STUDY)
    assert list(table.columns) == [
        "outcome",
        "n_start",
        "n_discharge",
        "n_followup",
        "n_every_later",
        "n_every_timepoint",
    ]
    assert table.iloc[0].tolist()[1:] == ["9", "8", "8", "7", "7"]


def test_every_timepoint_needs_the_baseline_too():
    rows = [("x", "discharge", 4, None, None), ("x", "followup", 4, None, None), ("y", "start", 6, None, None)]
    numbers = instrument_flow_numbers(make_outcomes(rows), PAPER_STUDY)
    assert (numbers["instrument_flow.nprs.every_later"], numbers["instrument_flow.nprs.every_timepoint"]) == (1, 0)


# ---------------------------------------------------------------- r and its interval


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-6, 6), min_size=2, max_size=40).map(lambda xs: [x / 2 for x in xs]))
def test_r_from_counts_is_scipys_r(changes):
    """The counts form of Z (resamples) gives scipy's r on the data itself, ties and zeros included."""
    grid = on_grid(np.array(changes))
    expected = wilcoxon_effect(changes)["effect_r"]
    if np.count_nonzero(grid) == 0 or expected is None:
        return
    levels, counts = np.unique(grid[grid != 0], return_counts=True)
    found = signed_rank_r(counts[None, :].astype(float), levels.astype(float))[0]
    if math.isnan(found):
        assert not np.isfinite(expected)
    else:
        assert found == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_bootstrap_interval_is_seeded_and_holds_r():
    changes = np.random.default_rng(4).integers(-5, 3, 80).astype(float)
    r = wilcoxon_effect(changes)["effect_r"]
    first = bootstrap_r_interval(changes, 0.95, 2000, np.random.default_rng(9))
    assert first == bootstrap_r_interval(changes, 0.95, 2000, np.random.default_rng(9))  # same seed, same bytes
    assert first != bootstrap_r_interval(changes, 0.95, 2000, np.random.default_rng(10))
    assert first[0] < r < first[1]
    # the counts form is drawing the changes with replacement: compare with resampled rows
    rng = np.random.default_rng(2)
    by_rows = [wilcoxon_effect(rng.choice(changes, changes.size))["effect_r"] for _ in range(400)]
    assert np.quantile(by_rows, [0.025, 0.975]) == pytest.approx(first, abs=0.05)
    assert bootstrap_r_interval([0, 0, 0], 0.95, 100, np.random.default_rng(1)) == (None, None)


def test_effect_size_numbers_and_table_cover_every_change():
    study = extended_study()
    outcomes = cohort(study)
    numbers = effect_size_numbers(outcomes, study, 0.95, BootstrapSettings(replicates=200, seed=3))
    changes = ("discharge", "six_months", "followup", "discharge_to_six_months", "six_months_to_followup")
    for instrument in study.instrument_names:
        for change in changes:
            assert f"effect_sizes.{instrument}.{change}.r_ci_low" in numbers
    assert numbers["effect_sizes.bootstrap.replicates"] == 200
    low, high = numbers["effect_sizes.nprs.discharge.r_ci_low"], numbers["effect_sizes.nprs.discharge.r_ci_high"]
    assert -1 <= low <= high <= 0  # every NPRS change to discharge is a fall or none
    assert numbers["effect_sizes.dri.discharge.r_ci_low"] is None
    all_changes = outcome_numbers(outcomes, study, "weibull") | maintenance_numbers(outcomes, study, "weibull")
    table = effect_sizes_table(all_changes | numbers, study)
    assert len(table) == len(study.instruments) * len(changes)
    assert table.iloc[0]["effect_r_ci"].endswith(")") and table.iloc[0]["from"] == "Start"


# ---------------------------------------------------------------- regression to the mean


def test_baseline_change_correlation_by_hand():
    # baseline 5, 6, 7, 8 with changes 0, −1, −3, −2: ranks 1 2 3 4 against 4 3 1 2 → ρ = 1 − 6·18/60 = −0.8
    found = baseline_change_correlation(np.array([5.0, 6, 7, 8]), np.array([0.0, -1, -3, -2]))
    assert found["rho"] == pytest.approx(-0.8) and found["n"] == 4
    assert baseline_change_correlation(np.array([5.0, 6]), np.array([0.0, -1]))["rho"] is None  # 2 pairs
    assert baseline_change_correlation(np.array([5.0, 5, 5]), np.array([0.0, -1, 2]))["rho"] is None  # no spread


def test_regression_to_mean_keys_for_every_instrument_and_later_time_point():
    study = extended_study()
    numbers = regression_to_mean_numbers(cohort(study), study)
    expected = {
        f"regression_to_mean.{instrument}.{timepoint}.{stat}"
        for instrument in study.instrument_names
        for timepoint in ("discharge", "six_months", "followup")
        for stat in ("rho", "p", "n")
    }
    assert set(numbers) == expected
    assert numbers["regression_to_mean.nprs.discharge.n"] == 8
    assert numbers["regression_to_mean.nprs.discharge.rho"] is None  # every baseline is 8: no spread
