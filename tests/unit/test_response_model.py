"""The exploratory multivariable logistic model of response (rehab.analysis.response_model):
odds ratios by hand, per SD, and a recorded status for separation and too few patients."""

import math

import numpy as np
import pandas as pd
import pytest
from analysis_helpers import PAPER_STUDY, extended_study, make_outcomes, make_patients
from scipy import stats as scipy_stats
from statsmodels.discrete.discrete_model import Logit

from rehab.analysis.covariates import CovariateConfigError
from rehab.analysis.response_model import (
    MODEL_STATS,
    TERM_STATS,
    fit_logistic,
    fit_response_models,
    pooled_levels,
    response_model_numbers,
    response_model_table,
)

MIN_GROUP_SIZE = 5


def test_one_binary_term_gives_the_cross_product_ratio_and_woolfs_interval():
    # 2 × 2: exposed 12 responders / 8 not, unexposed 6 / 14
    exposed = np.array([1.0] * 20 + [0.0] * 20)
    response = np.array([1.0] * 12 + [0.0] * 8 + [1.0] * 6 + [0.0] * 14)
    found = fit_logistic(response, pd.DataFrame({"exposed": exposed}), 0.95)["terms"]["exposed"]
    odds_ratio = (12 * 14) / (8 * 6)
    half = scipy_stats.norm.ppf(0.975) * math.sqrt(1 / 12 + 1 / 8 + 1 / 6 + 1 / 14)
    assert found["odds_ratio"] == pytest.approx(odds_ratio, rel=1e-8)
    assert (found["ci_low"], found["ci_high"]) == pytest.approx(
        (odds_ratio * math.exp(-half), odds_ratio * math.exp(half)), rel=1e-8
    )


def test_separation_is_recorded_not_raised():
    exposed = np.array([1.0] * 10 + [0.0] * 10)
    response = np.array([1.0] * 10 + [1.0] * 4 + [0.0] * 6)  # every exposed patient responded
    found = fit_logistic(response, pd.DataFrame({"exposed": exposed}), 0.95)
    assert found["separation"] == 1 and found["terms"] == {}


COHORT = [  # patient, sex, age, NPRS start, NPRS followup
    ("a", "F", 30, 8, 5),
    ("b", "M", 45, 7, 7),
    ("c", "F", 52, 6, 3),
    ("d", "M", 61, 9, 8),
    ("e", "F", 38, 5, 4),
    ("f", "M", 27, 8, 4),
    ("g", "F", 70, 7, 6),
    ("h", "M", 49, 6, 2),
    ("i", "F", 33, 9, 9),
    ("j", "M", 55, 7, 4),
    ("k", "F", 41, 8, 7),
    ("l", "M", 36, 6, 5),
]


def cohort(study=PAPER_STUDY, responders_in_men_only=False):
    patients = make_patients([{"patient_id": pid, "sex": sex, "age": age} for pid, sex, age, *_ in COHORT])
    rows = []
    for pid, sex, _, start, followup in COHORT:
        if responders_in_men_only:
            followup = start - 3 if sex == "M" else start
        extra = (None,) * (len(study.instruments) - 1)
        rows += [(pid, "start", start, *extra), (pid, "followup", followup, *extra)]
    return patients, make_outcomes(rows, study)


def test_numbers_by_hand_cohort_odds_ratios_per_sd():
    patients, outcomes = cohort()
    models = fit_response_models(patients, outcomes, PAPER_STUDY, ["age", "sex"], MIN_GROUP_SIZE, 0.95)
    numbers = response_model_numbers(models)
    prefix = "response_model.nprs.followup"
    # responders (a decrease of ≥ 2): a, c, f, h, j → 5 of 12
    assert (numbers[f"{prefix}.n"], numbers[f"{prefix}.n_responders"], numbers[f"{prefix}.fitted"]) == (12, 5, 1)
    assert (numbers[f"{prefix}.converged"], numbers[f"{prefix}.separation"]) == (1, 0)
    ages = np.array([age for _, _, age, *_ in COHORT], dtype=float)
    assert numbers[f"{prefix}.age.per"] == pytest.approx(ages.std(ddof=1))
    assert numbers[f"{prefix}.sex_m.per"] == 1.0
    # per SD: the odds ratio per year raised to the SD (the same model, rescaled)
    starts = np.array([start for *_, start, _ in COHORT], dtype=float)
    sexes = np.array([sex == "M" for _, sex, *_ in COHORT], dtype=float)
    response = np.array([start - followup >= 2 for *_, start, followup in COHORT], dtype=float)
    unscaled = Logit(response, np.column_stack([np.ones(12), starts, ages, sexes])).fit(disp=0)
    assert numbers[f"{prefix}.age.odds_ratio"] == pytest.approx(math.exp(unscaled.params[2] * ages.std(ddof=1)))
    assert numbers[f"{prefix}.sex_m.odds_ratio"] == pytest.approx(math.exp(unscaled.params[3]))
    assert numbers[f"{prefix}.sex_m.p"] == pytest.approx(unscaled.pvalues[3])
    assert numbers["response_model.dri.followup.fitted"] == 0  # no DRI value: nothing to fit
    table = response_model_table(models)
    assert table["term"].tolist()[:3] == [
        f"baseline value (per SD, {starts.std(ddof=1):.1f})",
        f"age (per SD, {ages.std(ddof=1):.1f})",
        "sex: M (vs F)",
    ]
    assert table["status"].tolist()[0] == "exploratory"


def test_separation_in_a_cohort_gives_a_status_and_no_odds_ratio():
    patients, outcomes = cohort(responders_in_men_only=True)
    models = fit_response_models(patients, outcomes, PAPER_STUDY, ["sex"], MIN_GROUP_SIZE, 0.95)
    numbers = response_model_numbers(models)
    prefix = "response_model.nprs.followup"
    assert numbers[f"{prefix}.separation"] == 1 and numbers[f"{prefix}.sex_m.odds_ratio"] is None
    table = response_model_table(models)
    assert table.loc[0, "status"] == "separation: no estimate" and table.loc[0, "odds_ratio_ci"] == "—"


def test_every_instrument_of_a_wider_study_at_its_last_time_point():
    study = extended_study()  # hads_anxiety; the last time point stays followup
    patients, outcomes = cohort(study)
    numbers = response_model_numbers(fit_response_models(patients, outcomes, study, ["age"], MIN_GROUP_SIZE, 0.95))
    for instrument in study.instrument_names:
        prefix = f"response_model.{instrument}.followup"
        assert {f"{prefix}.{stat}" for stat in MODEL_STATS} <= set(numbers)
        # a term's keys where the model has patients with its covariate (only NPRS has values here)
        terms = ("baseline_value", "age") if instrument == "nprs" else ("baseline_value",)
        assert {f"{prefix}.{term}.{stat}" for term in terms for stat in TERM_STATS} <= set(numbers)
        assert (numbers[f"{prefix}.fitted"] == 1) == (instrument == "nprs")
    assert not any(".six_months." in key for key in numbers)


def test_an_unknown_covariate_names_its_config_key():
    patients, outcomes = cohort()
    with pytest.raises(CovariateConfigError, match=r"analysis\.response_model\.covariates: 'shoe_size'"):
        fit_response_models(patients, outcomes, PAPER_STUDY, ["shoe_size"], MIN_GROUP_SIZE, 0.95)


# ---------------------------------------------------------------- no category below the minimum on its own


def categories(counts: dict[str, int], order: str) -> pd.Series:
    return pd.Series(pd.Categorical([level for level, n in counts.items() for _ in range(n)], categories=list(order)))


def test_a_small_category_is_pooled_with_the_next_smallest_by_patient_counts():
    levels = categories({"a": 2, "b": 3, "c": 9, "d": 6}, "abcde")  # e: no patient, not named
    assert pooled_levels(levels, 5) == {"a": "a or b", "b": "a or b", "c": "c", "d": "d"}


def test_pooling_goes_on_until_every_category_reaches_the_minimum():
    levels = categories({"a": 2, "b": 3, "c": 9, "d": 4}, "abcd")
    # a (2) with b (3): 5; then d (4) with the next smallest, "a or b" (5), not c (9)
    assert pooled_levels(levels, 5) == {"a": "a or b or d", "b": "a or b or d", "c": "c", "d": "a or b or d"}
    assert pooled_levels(levels, 2) == {"a": "a", "b": "b", "c": "c", "d": "d"}
    assert set(pooled_levels(levels, 100).values()) == {"a or b or c or d"}  # one category: no contrast left


def test_equal_counts_pool_in_declared_order():
    # y and x both 3: the first declared of them is the smallest; its partner the other
    assert pooled_levels(categories({"z": 7, "y": 3, "x": 3}, "zyx"), 5) == {"z": "z", "y": "y or x", "x": "y or x"}
    assert pooled_levels(categories({"z": 7, "y": 3, "x": 3}, "xyz"), 5) == {"z": "z", "y": "x or y", "x": "x or y"}


POOLING_COHORT = [  # patient, pain distribution, NPRS start, NPRS followup (responders: a fall of ≥ 2)
    *[(f"l{i}", "localized", 8, 8 - 3 * (i % 2)) for i in range(12)],
    *[(f"r{i}", "regional", 7, 7 - 3 * (i % 3 == 0)) for i in range(10)],
    ("g0", "generalized", 9, 4),
    ("g1", "generalized", 9, 9),
]


def pooling_cohort(rows=POOLING_COHORT):
    patients = make_patients([{"patient_id": pid, "pain_distribution": level} for pid, level, *_ in rows])
    outcomes = [
        (pid, tp, value, None, None)
        for pid, _, start, end in rows
        for tp, value in (("start", start), ("followup", end))
    ]
    return patients, make_outcomes(outcomes)


def test_the_response_model_publishes_no_category_below_the_minimum_group_size():
    patients, outcomes = pooling_cohort()
    models = fit_response_models(patients, outcomes, PAPER_STUDY, ["pain_distribution"], MIN_GROUP_SIZE, 0.95)
    numbers = response_model_numbers(models)
    prefix = "response_model.nprs.followup"
    # generalized (2 patients) is pooled with regional (10), the next smallest: one contrast with localized
    assert f"{prefix}.pain_distribution_regional_or_generalized.odds_ratio" in numbers
    assert not any("generalized.odds_ratio" in key and "_or_" not in key for key in numbers)
    assert "pain_distribution: regional or generalized (vs localized)" in response_model_table(models)["term"].tolist()
    # by hand: localized 6 of 12 responders, regional or generalized 4 + 1 of 12; baseline in the model too
    data = pd.DataFrame(
        {
            "baseline": [start for *_, start, _ in POOLING_COHORT],
            "pooled": [float(level != "localized") for _, level, *_ in POOLING_COHORT],
            "response": [float(start - end >= 2) for *_, start, end in POOLING_COHORT],
        }
    )
    design = np.column_stack(
        [np.ones(len(data)), (data["baseline"] - data["baseline"].mean()) / data["baseline"].std(), data["pooled"]]
    )
    by_hand = Logit(data["response"].to_numpy(), design).fit(disp=0)
    assert numbers[f"{prefix}.pain_distribution_regional_or_generalized.odds_ratio"] == pytest.approx(
        math.exp(by_hand.params[2]), rel=1e-6
    )


def test_which_categories_are_pooled_does_not_depend_on_who_responded():
    patients, _ = pooling_cohort()
    terms = set()
    for flip in range(4):  # the same patients, other responders
        rows = [
            (pid, level, start, start - 3 * ((index + flip) % 2))
            for index, (pid, level, start, _) in enumerate(POOLING_COHORT)
        ]
        _, outcomes = pooling_cohort(rows)
        models = fit_response_models(patients, outcomes, PAPER_STUDY, ["pain_distribution"], MIN_GROUP_SIZE, 0.95)
        terms.add(tuple(term.label for term in models[0].terms))
    assert terms == {("baseline value", "pain_distribution: regional or generalized (vs localized)")}


def test_a_yes_no_covariate_with_a_small_answer_drops_out():
    rows = [{"patient_id": f"p{i}", "smoker": i < 2} for i in range(14)]
    patients = make_patients(rows)
    outcomes = make_outcomes(
        [
            (f"p{i}", tp, 8, None, None) if tp == "start" else (f"p{i}", tp, 8 - 3 * (i % 2), None, None)
            for i in range(14)
            for tp in ("start", "followup")
        ]
    )
    models = fit_response_models(patients, outcomes, PAPER_STUDY, ["smoker"], MIN_GROUP_SIZE, 0.95)
    assert [term.key for term in models[0].terms] == ["baseline_value"]  # 2 smokers: no odds ratio of smoking
    models = fit_response_models(patients, outcomes, PAPER_STUDY, ["smoker"], 2, 0.95)
    assert [term.key for term in models[0].terms] == ["baseline_value", "smoker"]
