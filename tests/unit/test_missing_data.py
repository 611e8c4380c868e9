"""Missing follow-up values: worst/best-case bounds by hand, Rubin's rules against a hand
computation and statsmodels' own pooling, the imputation's determinism and its behaviour
under MAR."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from analysis_helpers import PAPER_STUDY, make_outcomes, make_patients
from scipy import stats as scipy_stats
from statsmodels.imputation.mice import MICE, MICEData
from statsmodels.stats.proportion import proportion_confint

from rehab.analysis.covariates import CovariateConfigError, covariate_frame, reference_levels
from rehab.analysis.missing_data import (
    COVARIATES_KEY,
    SCENARIOS,
    ImputationSettings,
    _main_effects_chain,
    bounds,
    imputation_sample,
    logit_estimates,
    missing_data_numbers,
    missing_data_table,
    pool_logit,
    scenario_estimates,
)
from rehab.analysis.responders import responder_numbers, responder_status

# NPRS (threshold: a decrease of 2), start → discharge:
# a 8 → 5 responder, b 7 → 5 responder, c 6 → 6, d 9 → 8, e 7 → missing, f 1 → missing (cannot
# fall by 2 from 1), g no start value (not counted anywhere)
ROWS = [
    ("a", "start", 8, None, None),
    ("a", "discharge", 5, None, None),
    ("b", "start", 7, None, None),
    ("b", "discharge", 5, None, None),
    ("c", "start", 6, None, None),
    ("c", "discharge", 6, None, None),
    ("d", "start", 9, None, None),
    ("d", "discharge", 8, None, None),
    ("e", "start", 7, None, None),
    ("f", "start", 1, None, None),
    ("g", "discharge", 3, None, None),
]
SETTINGS = ImputationSettings(imputations=5, seed=7, covariates=("age", "sex"))


def nprs_status():
    return responder_status(make_outcomes(ROWS), PAPER_STUDY.instrument("nprs"), "discharge", "start")


def test_worst_and_best_case_by_hand():
    found = bounds(nprs_status(), 0.95)
    worst, best = found["worst_case"], found["best_case"]
    assert (worst["n_responders"], worst["n_evaluable"]) == (2, 6)  # a, b of the six with a start value
    assert (best["n_responders"], best["n_evaluable"]) == (3, 6)  # + e; f cannot be a responder
    assert worst["pct"] == pytest.approx(100 * 2 / 6) and best["pct"] == pytest.approx(50.0)
    low, high = proportion_confint(3, 6, alpha=0.05, method="wilson")
    assert (best["ci_low"], best["ci_high"]) == pytest.approx((100 * low, 100 * high))


def test_the_worst_case_is_the_former_sensitivity_analysis():
    outcomes = make_outcomes(ROWS)
    patients = make_patients([{"patient_id": p} for p in "abcdefg"])
    numbers = missing_data_numbers(patients, outcomes, PAPER_STUDY, SETTINGS, 0.95)
    responders = responder_numbers(outcomes, PAPER_STUDY, 0.95)
    for stat in ("n_responders", "n_evaluable", "pct", "ci_low", "ci_high"):
        assert (
            numbers[f"responders.nprs.discharge.worst_case.{stat}"]
            == responders[f"responders.sensitivity.nprs.discharge.{stat}"]
        )


# ---------------------------------------------------------------- Rubin's rules


def test_rubins_rules_against_a_hand_computation():
    q = np.array([0.1, 0.3, 0.2])  # logit estimates of three imputations
    u = np.array([0.04, 0.05, 0.06])  # their within variances
    n = 50
    pooled = pool_logit(q, u, n, 0.95)
    # by hand: W = 0.05, B = 0.01, T = 0.05 + (4/3)(0.01) = 0.063333…; lambda = 0.013333…/T
    total = 0.05 + 4 / 3 * 0.01
    share = (4 / 3 * 0.01) / total
    df_old = 2 / share**2
    df_observed = (50 / 52) * 49 * (1 - share)
    df = 1 / (1 / df_old + 1 / df_observed)
    half = scipy_stats.t.ppf(0.975, df) * total**0.5
    assert pooled["total_variance"] == pytest.approx(total)
    assert pooled["df"] == pytest.approx(df)
    assert pooled["pct"] == pytest.approx(100 / (1 + np.exp(-0.2)))
    assert pooled["ci_low"] == pytest.approx(100 / (1 + np.exp(-(0.2 - half))))
    assert pooled["ci_high"] == pytest.approx(100 / (1 + np.exp(-(0.2 + half))))


def test_logit_estimates_are_intercept_only_logistic_fits():
    n, counts = 40, [12, 15, 13, 18]
    results = [
        sm.GLM(np.r_[np.ones(k), np.zeros(n - k)], np.ones((n, 1)), family=sm.families.Binomial()).fit() for k in counts
    ]
    estimates, variances = logit_estimates(np.array(counts), n)
    assert estimates == pytest.approx([r.params[0] for r in results])
    assert variances == pytest.approx([r.cov_params()[0, 0] for r in results])


def test_pooling_matches_statsmodels_mice_combine():
    rng = np.random.default_rng(5)
    n, x = 40, np.r_[np.zeros(20), np.ones(20)]
    results = [
        sm.GLM(
            rng.integers(0, 2, n).astype(float), np.column_stack([np.ones(n), x]), family=sm.families.Binomial()
        ).fit()
        for _ in range(4)
    ]
    mice = MICE("y ~ x", sm.GLM, MICEData(pd.DataFrame({"y": [0.0, 1.0], "x": [0.0, 1.0]})))
    mice.results_list = results
    mice.exog_names, mice.endog_names = ["Intercept", "x"], "y"
    combined = mice.combine()  # statsmodels' Rubin's rules
    pooled = pool_logit([r.params[0] for r in results], [r.cov_params()[0, 0] for r in results], n, 0.95)
    assert pooled["logit"] == pytest.approx(combined.params[0])
    assert pooled["total_variance"] == pytest.approx(combined.cov_params()[0, 0] * combined.scale)


def test_a_proportion_of_zero_uses_the_empirical_logit():
    estimates, variances = logit_estimates(np.array([0, 2]), 10)
    assert estimates == pytest.approx([np.log(0.5 / 10.5), np.log(2.5 / 8.5)])
    assert variances == pytest.approx([1 / 0.5 + 1 / 10.5, 1 / 2.5 + 1 / 8.5])


def test_no_between_variance_leaves_the_complete_data_interval():
    pooled = pool_logit([0.0, 0.0, 0.0], [0.1, 0.1, 0.1], 100, 0.95)
    assert pooled["fmi"] == pytest.approx(2 / (pooled["df"] + 3))
    assert pooled["df"] == pytest.approx(100 / 102 * 99)  # (ν + 1) / (ν + 3) ν with ν = n − 1


# ---------------------------------------------------------------- the imputation


def mar_cohort(n: int, seed: int):
    """Response depends on the start value, and so does missingness (MAR given the start):
    high starts respond more and are missing more often, so complete cases underestimate."""
    rng = np.random.default_rng(seed)
    start = rng.integers(3, 11, n)
    drop = np.where(start >= 7, rng.integers(0, 6, n), rng.integers(-1, 2, n))
    discharge = np.clip(start - drop, 0, 10)
    missing = rng.random(n) < np.where(start >= 7, 0.6, 0.1)
    rows = [(f"p{i}", "start", int(start[i]), None, None) for i in range(n)]
    rows += [(f"p{i}", "discharge", int(discharge[i]), None, None) for i in range(n) if not missing[i]]
    patients = make_patients([{"patient_id": f"p{i}", "age": 30 + i % 40} for i in range(n)])
    truth = 100 * np.mean(drop >= 2)
    return patients, make_outcomes(rows), truth


@pytest.fixture(scope="module")
def mar():
    patients, outcomes, truth = mar_cohort(600, 3)
    numbers = missing_data_numbers(patients, outcomes, PAPER_STUDY, ImputationSettings(10, 5, ("age",)), 0.95)
    return numbers, responder_numbers(outcomes, PAPER_STUDY, 0.95), truth


def test_imputation_under_mar_corrects_the_complete_case_bias(mar):
    numbers, responders, truth = mar
    complete = responders["responders.nprs.discharge.pct"]
    imputed = numbers["responders.nprs.discharge.imputed.pct"]
    assert complete < truth - 5  # the bias the imputation should remove
    assert abs(imputed - truth) < 3
    assert (
        numbers["responders.nprs.discharge.imputed.ci_low"]
        < truth
        < numbers["responders.nprs.discharge.imputed.ci_high"]
    )
    worst, best = (numbers[f"responders.nprs.discharge.{s}.pct"] for s in ("worst_case", "best_case"))
    assert worst <= imputed <= best
    assert 0 < numbers["responders.nprs.discharge.imputed.fmi"] < 1


def test_same_seed_same_numbers_other_seed_other_draws():
    patients, outcomes, _ = mar_cohort(150, 4)
    settings = ImputationSettings(5, 11, ("age", "sex"))
    first = missing_data_numbers(patients, outcomes, PAPER_STUDY, settings, 0.95)
    again = missing_data_numbers(patients, outcomes, PAPER_STUDY, settings, 0.95)
    other = missing_data_numbers(patients, outcomes, PAPER_STUDY, ImputationSettings(5, 12, ("age", "sex")), 0.95)
    assert first == again
    key = "responders.nprs.discharge.imputed.ci_low"
    assert first[key] != other[key]


def test_nothing_missing_gives_the_complete_case_and_too_few_observed_give_none():
    rows = [(p, "start", 8, None, None) for p in "abcdef"] + [
        (p, "discharge", v, None, None) for p, v in zip("abcdef", [5, 6, 7, 8, 5, 6], strict=True)
    ]
    outcomes = make_outcomes(rows)
    patients = make_patients([{"patient_id": p} for p in "abcdef"])
    numbers = missing_data_numbers(patients, outcomes, PAPER_STUDY, SETTINGS, 0.95)
    assert numbers["responders.nprs.discharge.imputed.n_imputed"] == 0
    assert numbers["responders.nprs.discharge.imputed.pct"] == pytest.approx(100 * 4 / 6)  # 8→5, 8→6 twice, 8→5
    three_observed = [row for row in ROWS if row[:2] != ("d", "discharge")]
    few = missing_data_numbers(patients, make_outcomes(three_observed), PAPER_STUDY, SETTINGS, 0.95)
    assert few["responders.nprs.discharge.imputed.pct"] is None  # 3 values for 2 columns + intercept: too few
    assert few["responders.nprs.followup.imputed.pct"] is None  # nobody reached it


def test_the_chain_uses_the_matrices_of_statsmodels_default_formulas():
    data = pd.DataFrame(
        {"value": [1.0, np.nan, 3.0, 4.0], "baseline": [2.0, 3.0, 4.0, 6.0], "x0": [0.0, 1.0, 1.0, np.nan]}
    )
    ours = _main_effects_chain(data, 2, np.random.default_rng(1))
    theirs = MICEData(data, k_pmm=2, rng=np.random.default_rng(1))
    for name in ("value", "x0"):
        for mine, reference in zip(ours.get_split_data(name)[:3], theirs.get_split_data(name)[:3], strict=True):
            assert np.asarray(mine).ravel() == pytest.approx(np.asarray(reference).ravel())


def test_covariates_become_numbers_and_indicators():
    patients = make_patients(
        [
            {"patient_id": "a", "sex": "F", "age": 30, "pain_distribution": "localized"},
            {"patient_id": "b", "sex": "M", "age": 40, "pain_distribution": "regional"},
            {"patient_id": "c", "sex": "F", "age": 50, "pain_distribution": None},
        ]
    )
    frame = covariate_frame(patients, ["age", "sex", "pain_distribution"], COVARIATES_KEY)
    assert frame["age"].tolist() == [30.0, 40.0, 50.0]
    assert frame["sex=M"].tolist() == [0.0, 1.0, 0.0]
    assert frame["pain_distribution=regional"].tolist()[:2] == [0.0, 1.0]
    assert np.isnan(frame["pain_distribution=regional"].iloc[2])
    assert "pain_distribution=generalized" not in frame  # nobody: no information
    with pytest.raises(CovariateConfigError, match="analysis.missing_data.covariates: 'shoe_size'"):
        covariate_frame(patients, ["age", "shoe_size"], COVARIATES_KEY)
    assert reference_levels(patients, ["age", "sex", "pain_distribution"]) == {
        "sex": "F",
        "pain_distribution": "localized",
    }


def test_a_large_cohort_is_imputed_on_a_seeded_sample():
    status = pd.DataFrame({"value": np.arange(50.0)}, index=pd.Index([f"p{i}" for i in range(50)]))
    sample = imputation_sample(status, 20, np.random.default_rng(2))
    assert len(sample) == 20 and sample["value"].is_monotonic_increasing  # in the patients' order
    assert sample.index.equals(imputation_sample(status, 20, np.random.default_rng(2)).index)
    assert imputation_sample(status, 60, np.random.default_rng(2)) is status


def test_table_and_figure_data_hold_four_estimates(mar):
    numbers, responders, _ = mar
    table = missing_data_table(responders | numbers, PAPER_STUDY)
    assert list(table.columns) == ["outcome", "timepoint", "with_baseline", "missing", *SCENARIOS]
    first = table.iloc[0]
    assert first["with_baseline"] == "600"
    assert first["complete_case"].startswith(f"{responders['responders.nprs.discharge.pct']:.0f}"[:1])
    estimates = scenario_estimates(responders | numbers, PAPER_STUDY)
    assert len(estimates) == len(PAPER_STUDY.instruments) * len(PAPER_STUDY.followed) * 4
    nprs = estimates[(estimates["instrument"] == "nprs") & (estimates["timepoint"] == "discharge")]
    assert nprs["scenario"].tolist() == list(SCENARIOS) and nprs["pct"].notna().all()
