"""Responder definitions, counts, Wilson intervals and the sensitivity analysis."""

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from analysis_helpers import RESPONDER_RULES, make_outcomes, small_cohort
from rehab.formatting import DASH
from rehab.responders import (
    ResponderDefinitionError,
    cannot_improve,
    definitions_table,
    meets_rule,
    responder_numbers,
    responders_table,
)


def rule(direction="decrease", absolute=None, relative=None, combine="either"):
    return {"direction": direction, "absolute": absolute, "relative": relative, "combine": combine}


def meets(start, value, **kwargs):
    return meets_rule(pd.Series(start, dtype="float64"), pd.Series(value, dtype="float64"), rule(**kwargs)).tolist()


# ---------------------------------------------------------------- the rule

def test_absolute_threshold_is_inclusive():
    assert meets([8, 8, 8], [6, 7, 5], absolute=2) == [True, False, True]


def test_dri_35_3_to_25_3_is_exactly_ten():
    assert 25.3 - 35.3 != -10  # the float difference is not exactly −10 …
    assert meets([35.3], [25.3], absolute=10) == [True]  # … but the rounded change is


def test_increase_direction():
    assert meets([40, 40, 95], [50, 49, 100], direction="increase", absolute=10) == [True, False, False]
    assert meets([50], [40], direction="increase", absolute=10) == [False]


def test_relative_threshold_and_zero_start():
    # 10 → 7 is 30 %, 10 → 8 is 20 %; a start of 0 cannot meet a relative threshold
    assert meets([10, 10, 0], [7, 8, 0], relative=30) == [True, False, False]
    assert meets([0], [0], relative=30, direction="increase") == [False]
    assert meets([3], [2.1], relative=30) == [True]  # 0.9 / 3 = 30 % after rounding


def test_combine_either_or_both():
    start, value = [10, 3, 10], [8, 2, 7]  # −2 (20 %), −1 (33 %), −3 (30 %)
    assert meets(start, value, absolute=2, relative=30, combine="either") == [True, True, True]
    assert meets(start, value, absolute=2, relative=30, combine="both") == [False, False, True]


def test_missing_value_is_not_a_responder():
    assert meets([8, None], [None, 2], absolute=2) == [False, False]


def test_a_rule_needs_a_threshold():
    outcomes = small_cohort()["outcomes"]
    rules = {**RESPONDER_RULES, "dri": rule(absolute=None, relative=None)}
    with pytest.raises(ResponderDefinitionError, match="analysis.responders.dri"):
        responder_numbers(outcomes, rules, 0.95)


def test_cannot_improve_by_the_absolute_threshold():
    start = pd.Series([1, 2, 0, None], dtype="float64")
    assert cannot_improve(start, rule(absolute=2), 10).tolist() == [True, False, True, False]
    eq_vas = pd.Series([90, 91, 100], dtype="float64")
    assert cannot_improve(eq_vas, rule(direction="increase", absolute=10), 100).tolist() == [False, True, True]
    assert cannot_improve(pd.Series([0.0, 5.0]), rule(relative=30), 10).tolist() == [True, False]


# ---------------------------------------------------------------- counts on the hand cohort

@pytest.fixture(scope="module")
def numbers():
    return responder_numbers(small_cohort()["outcomes"], RESPONDER_RULES, 0.95)


def test_responders_at_discharge(numbers):
    for outcome in ("nprs", "dri", "eq_vas"):
        prefix = f"responders.{outcome}.discharge"
        assert (numbers[f"{prefix}.n_responders"], numbers[f"{prefix}.n_evaluable"]) == (1, 2)  # p1 of p1, p2
        assert numbers[f"{prefix}.pct"] == 50.0
        low, high = proportion_confint(1, 2, alpha=0.05, method="wilson")
        assert (numbers[f"{prefix}.ci_low"], numbers[f"{prefix}.ci_high"]) == pytest.approx((low * 100, high * 100))
    assert numbers["responders.nprs.discharge.n_cannot_improve"] == 1  # p2 starts at NPRS 1
    assert numbers["responders.eq_vas.discharge.n_cannot_improve"] == 1  # p2 starts at EQ-VAS 95
    assert numbers["responders.dri.discharge.n_cannot_improve"] == 0
    assert numbers["responders.nprs.cannot_improve"] == 1 and numbers["responders.nprs.with_start"] == 3


def test_nobody_at_followup_gives_empty_proportions(numbers):
    prefix = "responders.nprs.followup"
    assert (numbers[f"{prefix}.n_responders"], numbers[f"{prefix}.n_evaluable"]) == (0, 0)
    assert numbers[f"{prefix}.pct"] is None and numbers[f"{prefix}.ci_low"] is None and numbers[f"{prefix}.ci_high"] is None


def test_sensitivity_counts_missing_values_as_non_responders(numbers):
    prefix = "responders.sensitivity.nprs.discharge"
    assert (numbers[f"{prefix}.n_responders"], numbers[f"{prefix}.n_evaluable"]) == (1, 3)  # p3 has a start value
    assert numbers[f"{prefix}.pct"] == pytest.approx(100 / 3)
    assert numbers["responders.sensitivity.dri.discharge.n_evaluable"] == 2  # p3 has no DRI at start
    assert numbers["responders.sensitivity.nprs.followup.pct"] == 0.0
    assert numbers["responders.nprs.discharge.n_missing"] == 1


def test_confidence_level_is_used():
    outcomes = small_cohort()["outcomes"]
    narrow = responder_numbers(outcomes, RESPONDER_RULES, 0.80)
    low, high = proportion_confint(1, 2, alpha=0.20, method="wilson")
    assert narrow["responders.nprs.discharge.ci_low"] == pytest.approx(low * 100)


def test_responder_tables(numbers):
    table = responders_table(numbers, RESPONDER_RULES)
    assert list(table.columns) == [
        "outcome", "timepoint", "definition", "n_responders", "n_evaluable", "pct", "ci", "n_cannot_improve"
    ]
    first = table.iloc[0].tolist()
    assert first[:7] == ["Pain (NPRS)", "Discharge", "decrease ≥ 2", "1", "2", "50", "9–91"]
    assert table.iloc[1][["pct", "ci"]].tolist() == [DASH, DASH]
    sensitivity = responders_table(numbers, RESPONDER_RULES, sensitivity=True)
    assert sensitivity.iloc[0][["n_evaluable", "pct", "n_missing_counted_as_non_responders"]].tolist() == ["3", "33", "1"]


def test_definition_text_and_table():
    rules = {**RESPONDER_RULES, "nprs": {**rule(absolute=2, relative=30, combine="both"), "label": "Pain"}}
    numbers = responder_numbers(small_cohort()["outcomes"], rules, 0.95)
    assert responders_table(numbers, rules).iloc[0]["definition"] == "decrease ≥ 2 and ≥ 30%"
    definitions = definitions_table(rules, 0.95)
    assert definitions.iloc[0][["absolute", "relative_pct", "combine"]].tolist() == ["2", "30", "both"]
    assert definitions.iloc[1]["relative_pct"] == DASH


def test_increase_with_relative_threshold_on_a_cohort():
    outcomes = make_outcomes([("a", "start", 5, 20.0, 50), ("a", "discharge", 5, 20.0, 65)])
    rules = {**RESPONDER_RULES, "eq_vas": rule(direction="increase", relative=30)}
    numbers = responder_numbers(outcomes, rules, 0.95)
    assert numbers["responders.eq_vas.discharge.n_responders"] == 1  # +15 of 50 = 30 %
    assert numbers["responders.nprs.discharge.n_responders"] == 0
