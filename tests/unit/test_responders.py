"""Responder definitions, counts, Wilson intervals and the sensitivity analysis."""

import pandas as pd
import pytest
from analysis_helpers import PAPER_STUDY, extended_study, make_outcomes, small_cohort, study_with
from statsmodels.stats.proportion import proportion_confint

from rehab.analysis.responders import (
    cannot_improve,
    definitions_table,
    meets_rule,
    responder_curves,
    responder_numbers,
    responders_table,
)
from rehab.core.formatting import DASH
from rehab.core.study import StudyDeclarationError


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
    def no_threshold(declared):
        declared["instruments"]["dri"]["responders"][0].update(absolute=None, relative=None)

    with pytest.raises(StudyDeclarationError, match=r"study.instruments.dri.responders\[0\]"):
        study_with(no_threshold)


def test_cannot_improve_by_the_absolute_threshold():
    start = pd.Series([1, 2, 0, None], dtype="float64")
    # the third argument is the instrument's best value: the low end when lower is better
    assert cannot_improve(start, rule(absolute=2), 0).tolist() == [True, False, True, False]
    assert cannot_improve(pd.Series([3.0, 4.0]), rule(absolute=2), 2).tolist() == [True, False]  # range 2–…
    eq_vas = pd.Series([90, 91, 100], dtype="float64")
    assert cannot_improve(eq_vas, rule(direction="increase", absolute=10), 100).tolist() == [False, True, True]
    assert cannot_improve(pd.Series([0.0, 5.0]), rule(relative=30), 0).tolist() == [True, False]


# ---------------------------------------------------------------- counts on the hand cohort


@pytest.fixture(scope="module")
def numbers():
    return responder_numbers(small_cohort()["outcomes"], PAPER_STUDY, 0.95)


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
    assert (
        numbers[f"{prefix}.pct"] is None
        and numbers[f"{prefix}.ci_low"] is None
        and numbers[f"{prefix}.ci_high"] is None
    )


def test_sensitivity_counts_missing_values_as_non_responders(numbers):
    prefix = "responders.sensitivity.nprs.discharge"
    assert (numbers[f"{prefix}.n_responders"], numbers[f"{prefix}.n_evaluable"]) == (1, 3)  # p3 has a start value
    assert numbers[f"{prefix}.pct"] == pytest.approx(100 / 3)
    assert numbers["responders.sensitivity.dri.discharge.n_evaluable"] == 2  # p3 has no DRI at start
    assert numbers["responders.sensitivity.nprs.followup.pct"] == 0.0
    assert numbers["responders.nprs.discharge.n_missing"] == 1


def test_confidence_level_is_used():
    outcomes = small_cohort()["outcomes"]
    narrow = responder_numbers(outcomes, PAPER_STUDY, 0.80)
    low, high = proportion_confint(1, 2, alpha=0.20, method="wilson")
    assert narrow["responders.nprs.discharge.ci_low"] == pytest.approx(low * 100)


def test_responder_tables(numbers):
    table = responders_table(numbers, PAPER_STUDY)
    assert list(table.columns) == [
        "outcome",
        "timepoint",
        "definition",
        "n_responders",
        "n_evaluable",
        "pct",
        "ci",
        "n_cannot_improve",
        "n_deteriorated",
        "pct_deteriorated",
    ]
    first = table.iloc[0].tolist()
    assert first[:7] == ["Pain (NPRS)", "Discharge", "decrease ≥ 2", "1", "2", "50", "9–91"]
    assert first[8:] == ["0", "0"]
    assert table.iloc[1]["timepoint"] == "1 year after discharge"  # the declared label
    assert table.iloc[1][["pct", "ci"]].tolist() == [DASH, DASH]
    sensitivity = responders_table(numbers, PAPER_STUDY, sensitivity=True)
    assert sensitivity.iloc[0][["n_evaluable", "pct", "n_missing_counted_as_non_responders"]].tolist() == [
        "3",
        "33",
        "1",
    ]


def test_definition_text_and_table():
    def both(declared):
        declared["instruments"]["nprs"]["responders"][0].update(absolute=2, relative=30, combine="both")

    study = study_with(both)
    numbers = responder_numbers(small_cohort()["outcomes"], study, 0.95)
    assert responders_table(numbers, study).iloc[0]["definition"] == "decrease ≥ 2 and ≥ 30%"
    definitions = definitions_table(study, 0.95)
    assert definitions.iloc[0][["absolute", "relative_pct", "combine"]].tolist() == ["2", "30", "both"]
    assert definitions.set_index("outcome").loc["dri", "relative_pct"] == DASH


def test_increase_with_relative_threshold_on_a_cohort():
    outcomes = make_outcomes([("a", "start", 5, 20.0, 50), ("a", "discharge", 5, 20.0, 65)])

    def relative(declared):
        declared["instruments"]["eq_vas"]["responders"][0].update(absolute=None, relative=30)

    numbers = responder_numbers(outcomes, study_with(relative), 0.95)
    assert numbers["responders.eq_vas.discharge.n_responders"] == 1  # +15 of 50 = 30 %
    assert numbers["responders.nprs.discharge.n_responders"] == 0


# ---------------------------------------------------------------- secondary definitions


def with_secondary(declared):
    declared["instruments"]["nprs"]["responders"].append({"name": "thirty_pct", "relative": 30, "citation": "x"})


def test_a_secondary_definition_has_its_own_keys_and_leaves_the_primary_ones():
    outcomes = small_cohort()["outcomes"]
    primary = responder_numbers(outcomes, PAPER_STUDY, 0.95)
    numbers = responder_numbers(outcomes, study_with(with_secondary), 0.95)
    assert all(numbers[key] == value for key, value in primary.items())
    # p1 8 → 6 is 25 % (not 30 %), p2 1 → 0 is 100 %: one responder of two
    prefix = "responders.nprs.thirty_pct.discharge"
    assert (numbers[f"{prefix}.n_responders"], numbers[f"{prefix}.n_evaluable"]) == (1, 2)
    low, high = proportion_confint(1, 2, alpha=0.05, method="wilson")
    assert (numbers[f"{prefix}.ci_low"], numbers[f"{prefix}.ci_high"]) == pytest.approx((low * 100, high * 100))
    assert (
        numbers["responders.nprs.thirty_pct.relative"] == 30 and numbers["responders.nprs.thirty_pct.absolute"] is None
    )
    assert numbers["responders.nprs.thirty_pct.cannot_improve"] == 0  # every start above 0 can fall by 30 %
    assert not any(key.startswith("responders.sensitivity.nprs.thirty_pct") for key in numbers)


def test_secondary_definition_rows_follow_the_primary_ones():
    study = study_with(with_secondary)
    numbers = responder_numbers(small_cohort()["outcomes"], study, 0.95)
    table = responders_table(numbers, study)
    # the default config's IMMPACT definitions come first, then the added one
    assert table["definition"].tolist()[:8] == [
        "decrease ≥ 2",
        "decrease ≥ 2",
        "decrease ≥ 30% (immpact_moderate)",
        "decrease ≥ 30% (immpact_moderate)",
        "decrease ≥ 50% (immpact_substantial)",
        "decrease ≥ 50% (immpact_substantial)",
        "decrease ≥ 30% (thirty_pct)",
        "decrease ≥ 30% (thirty_pct)",
    ]
    assert table.iloc[6][["n_responders", "n_evaluable", "pct"]].tolist() == ["1", "2", "50"]
    assert len(responders_table(numbers, study, sensitivity=True)) == 6  # primary definitions only
    assert definitions_table(study, 0.95)["outcome"].tolist() == [
        "nprs",
        "nprs.immpact_moderate",
        "nprs.immpact_substantial",
        "nprs.thirty_pct",
        "dri",
        "eq_vas",
    ]


# ---------------------------------------------------------------- a fourth instrument and time point


def test_a_declared_instrument_and_time_point_get_responders():
    study = extended_study()
    rows = [  # nprs, dri, eq_vas, hads_anxiety
        ("a", "start", 6, None, None, 10),
        ("a", "discharge", 6, None, None, 9),
        ("a", "six_months", 6, None, None, 8),
        ("b", "start", None, None, None, 1),
        ("b", "six_months", None, None, None, 0),
        ("c", "start", None, None, None, 12),
        ("c", "followup", None, None, None, 13),
    ]
    numbers = responder_numbers(make_outcomes(rows, study), study, 0.95)
    prefix = "responders.hads_anxiety.six_months"
    # a: 10 → 8 is a decrease of 2 (lower is better); b: 1 → 0 is 1
    assert (numbers[f"{prefix}.n_responders"], numbers[f"{prefix}.n_evaluable"]) == (1, 2)
    low, high = proportion_confint(1, 2, alpha=0.05, method="wilson")
    assert (numbers[f"{prefix}.ci_low"], numbers[f"{prefix}.ci_high"]) == pytest.approx((low * 100, high * 100))
    assert numbers["responders.hads_anxiety.cannot_improve"] == 1  # b starts at 1 of 0–21
    assert numbers["responders.hads_anxiety.discharge.n_responders"] == 0  # 10 → 9
    assert numbers["responders.hads_anxiety.followup.n_evaluable"] == 1  # c, 12 → 13
    assert numbers["responders.nprs.six_months.n_evaluable"] == 1
    assert numbers["responders.sensitivity.hads_anxiety.six_months.n_evaluable"] == 3
    timepoints = responders_table(numbers, study)["timepoint"].tolist()
    assert timepoints[:3] == ["Discharge", "6 months after discharge", "1 year after discharge"]


# ---------------------------------------------------------------- IMMPACT levels, deterioration, curves


def test_the_default_config_declares_immpact_30_and_50_percent_for_pain_after_the_absolute_primary():
    nprs = PAPER_STUDY.instrument("nprs")
    assert (nprs.primary.absolute, nprs.primary.relative) == (2, None)
    assert [(d.name, d.relative, d.absolute) for d in nprs.secondary] == [
        ("immpact_moderate", 30, None),
        ("immpact_substantial", 50, None),
    ]
    assert all("Dworkin" in d.citation for d in nprs.secondary)


# a: 8 → 4 (−50 %), b: 8 → 6 (−25 %, −2), c: 5 → 7 (+2, +40 %), d: 2 → 3 (+1, +50 %), e: 4 → 4, f: no discharge
DETERIORATION = [
    ("a", "start", 8, None, None),
    ("a", "discharge", 4, None, None),
    ("b", "start", 8, None, None),
    ("b", "discharge", 6, None, None),
    ("c", "start", 5, None, None),
    ("c", "discharge", 7, None, None),
    ("d", "start", 2, None, None),
    ("d", "discharge", 3, None, None),
    ("e", "start", 4, None, None),
    ("e", "discharge", 4, None, None),
    ("f", "start", 6, None, None),
]


def test_deterioration_is_a_worsening_by_the_same_threshold():
    numbers = responder_numbers(make_outcomes(DETERIORATION), PAPER_STUDY, 0.95)
    prefix = "responders.nprs.discharge"
    assert numbers[f"{prefix}.n_responders"] == 2  # a and b fall by ≥ 2
    assert numbers[f"{prefix}.n_deteriorated"] == 1  # c rises by 2; d by 1 only
    assert numbers[f"{prefix}.pct_deteriorated"] == pytest.approx(100 / 5)  # of 5 evaluable, not of 6
    # ≥ 30 %: a improved by 50 %; c worsened by 40 %, d by 50 %
    assert numbers["responders.nprs.immpact_moderate.discharge.n_responders"] == 1  # a (b is 25 %)
    assert numbers["responders.nprs.immpact_moderate.discharge.n_deteriorated"] == 2  # c and d
    assert numbers["responders.nprs.immpact_substantial.discharge.n_deteriorated"] == 1  # d (+50 %)
    assert numbers["responders.nprs.followup.pct_deteriorated"] is None  # nobody evaluable


def test_cumulative_responder_curve_is_the_share_with_at_least_each_improvement():
    curves = responder_curves(make_outcomes(DETERIORATION), PAPER_STUDY)
    nprs = curves[(curves["instrument"] == "nprs") & (curves["timepoint"] == "discharge")]
    # improvements (decrease): a 4, b 2, c −2, d −1, e 0
    assert nprs["improvement"].tolist() == [-2.0, -1.0, 0.0, 2.0, 4.0]
    assert nprs["pct"].tolist() == pytest.approx([100.0, 80.0, 60.0, 40.0, 20.0])
    threshold = PAPER_STUDY.instrument("nprs").primary.absolute
    at_threshold = nprs.loc[nprs["improvement"] >= threshold, "pct"].iloc[0]
    numbers = responder_numbers(make_outcomes(DETERIORATION), PAPER_STUDY, 0.95)
    assert at_threshold == pytest.approx(numbers["responders.nprs.discharge.pct"])  # the curve meets the table
    assert curves[curves["timepoint"] == "followup"].empty


def test_a_relative_primary_definition_gives_a_curve_in_percent():
    def relative(declared):
        declared["instruments"]["nprs"]["responders"][0].update(absolute=None, relative=30)

    study = study_with(relative)
    curves = responder_curves(make_outcomes(DETERIORATION), study)
    nprs = curves[(curves["instrument"] == "nprs") & (curves["timepoint"] == "discharge")]
    assert nprs["improvement"].tolist() == pytest.approx([-50.0, -40.0, 0.0, 25.0, 50.0])
