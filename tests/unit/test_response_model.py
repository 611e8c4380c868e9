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
    response_model_numbers,
    response_model_table,
)


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
    numbers = response_model_numbers(patients, outcomes, PAPER_STUDY, ["age", "sex"], 0.95)
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
    table = response_model_table(numbers, PAPER_STUDY, patients, ["age", "sex"])
    assert table["term"].tolist()[:3] == [
        f"baseline value (per SD, {starts.std(ddof=1):.1f})",
        f"age (per SD, {ages.std(ddof=1):.1f})",
        "sex: M (vs F)",
    ]
    assert table["status"].tolist()[0] == "exploratory"


def test_separation_in_a_cohort_gives_a_status_and_no_odds_ratio():
    patients, outcomes = cohort(responders_in_men_only=True)
    numbers = response_model_numbers(patients, outcomes, PAPER_STUDY, ["sex"], 0.95)
    prefix = "response_model.nprs.followup"
    assert numbers[f"{prefix}.separation"] == 1 and numbers[f"{prefix}.sex_m.odds_ratio"] is None
    table = response_model_table(numbers, PAPER_STUDY, patients, ["sex"])
    assert table.loc[0, "status"] == "separation: no estimate" and table.loc[0, "odds_ratio_ci"] == "—"


def test_every_instrument_of_a_wider_study_at_its_last_time_point():
    study = extended_study()  # hads_anxiety; the last time point stays followup
    patients, outcomes = cohort(study)
    numbers = response_model_numbers(patients, outcomes, study, ["age"], 0.95)
    for instrument in study.instrument_names:
        prefix = f"response_model.{instrument}.followup"
        assert {f"{prefix}.{stat}" for stat in MODEL_STATS} <= set(numbers)
        assert {f"{prefix}.{term}.{stat}" for term in ("baseline_value", "age") for stat in TERM_STATS} <= set(numbers)
    assert not any(".six_months." in key for key in numbers)


def test_an_unknown_covariate_names_its_config_key():
    patients, outcomes = cohort()
    with pytest.raises(CovariateConfigError, match=r"analysis\.response_model\.covariates: 'shoe_size'"):
        response_model_numbers(patients, outcomes, PAPER_STUDY, ["shoe_size"], 0.95)
