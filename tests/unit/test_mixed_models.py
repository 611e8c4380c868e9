"""The linear mixed model over every observation (rehab.analysis.mixed_models): statsmodels'
MixedLM is the oracle; the fit from sufficient statistics must give its estimates."""

import warnings

import numpy as np
import pandas as pd
import pytest
from analysis_helpers import PAPER_STUDY, extended_study, make_outcomes
from statsmodels.regression.mixed_linear_model import MixedLM

from rehab.analysis.mixed_models import (
    CHANGE_STATS,
    MODEL_STATS,
    _profile,
    _sums,
    fit_random_intercept,
    mixed_model_numbers,
    mixed_models_table,
)
from rehab.analysis.outcomes import outcome_numbers


def simulated(n_patients: int, seed: int, levels: int = 3, intercept_sd: float = 1.5):
    """Patients × levels with a random intercept and values missing at the later levels."""
    rng = np.random.default_rng(seed)
    codes = np.repeat(np.arange(n_patients), levels)
    level = np.tile(np.arange(levels), n_patients)
    effects = np.concatenate([[0.0], -1.5 + 0.2 * np.arange(levels - 1)])
    values = np.round(
        7 + effects[level] + rng.normal(0, intercept_sd, n_patients)[codes] + rng.normal(0, 1.2, codes.size)
    )
    kept = (level == 0) | (rng.random(codes.size) < 0.75)
    return codes[kept], level[kept], values[kept]


def statsmodels_fit(codes, level, values, levels):
    design = np.zeros((values.size, levels))
    design[:, 0] = 1
    design[np.arange(values.size), level] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MixedLM(values, design, groups=codes).fit(reml=True)


@pytest.mark.parametrize(("n_patients", "seed", "levels"), [(40, 1, 3), (274, 2, 3), (150, 3, 4)])
def test_the_fit_is_statsmodels_mixedlm_reml(n_patients, seed, levels):
    codes, level, values = simulated(n_patients, seed, levels)
    reference = statsmodels_fit(codes, level, values, levels)
    fit = fit_random_intercept(codes, level, values, levels)
    assert fit.converged and not fit.boundary
    assert fit.coefficients[1:] == pytest.approx(reference.fe_params[1:], abs=1e-5)
    assert fit.intercept_variance == pytest.approx(float(np.asarray(reference.cov_re)[0, 0]), rel=1e-3)
    assert fit.residual_variance == pytest.approx(reference.scale, rel=1e-3)
    # σ²(X'V⁻¹X)⁻¹ against MixedLM's inverse observed information: equal to 10⁻³
    assert np.sqrt(np.diag(fit.covariance))[1:] == pytest.approx(reference.bse_fe[1:], rel=1e-3)
    # and the restricted likelihood is at least as high as at MixedLM's own estimate
    sums = _sums(codes, level, values, levels)
    gamma = float(np.asarray(reference.cov_re)[0, 0]) / reference.scale
    assert _profile(sums, fit.intercept_variance / (fit.intercept_variance + fit.residual_variance))[0] >= (
        _profile(sums, gamma / (1 + gamma))[0] - 1e-9
    )


def test_no_patient_variation_is_the_boundary_and_ordinary_least_squares():
    # values that do not depend on the patient beyond noise: REML puts the intercept variance at 0
    codes, level, values = simulated(60, 5, intercept_sd=0.0)
    fit = fit_random_intercept(codes, level, values, 3)
    if not fit.boundary:  # a sample may still show some patient variation; then it is small
        assert fit.intercept_variance < 0.1 * fit.residual_variance
        return
    means = [values[level == k].mean() for k in range(3)]
    assert fit.coefficients[1:] == pytest.approx([means[1] - means[0], means[2] - means[0]], abs=1e-9)


def test_complete_balanced_data_give_the_paired_mean_change():
    # every patient at every level: the GLS change is the mean of the paired changes
    codes, level, values = simulated(80, 7)
    complete = pd.Series(level).groupby(codes).transform("size").to_numpy() == 3
    codes, level, values = codes[complete], level[complete], values[complete]
    fit = fit_random_intercept(codes, level, values, 3)
    frame = pd.DataFrame({"code": codes, "level": level, "value": values}).pivot(index="code", columns="level")
    paired = (frame[("value", 1)] - frame[("value", 0)]).mean()
    assert fit.coefficients[1] == pytest.approx(paired, abs=1e-9)


@pytest.mark.parametrize(
    "values",
    [np.array([5.0, 5.0, 5.0, 5.0]), np.array([5.0, 3.0])],  # no spread; fewer values than coefficients + 1
)
def test_too_little_data_is_not_fitted(values):
    codes = np.arange(values.size) // 2
    level = np.arange(values.size) % 2
    assert fit_random_intercept(codes, level, values, 2) is None


def test_keys_for_every_instrument_and_later_time_point_and_a_missing_one():
    study = extended_study()  # hads_anxiety, six_months
    rows = [(f"p{i}", "start", 7 - i % 3, 40.0 + i, 50.0, 10 + i % 4) for i in range(12)]
    rows += [(f"p{i}", "discharge", 5 - i % 2, 30.0 + i, 60.0, 8 + i % 3) for i in range(0, 12, 2)]
    rows += [(f"p{i}", "followup", 4 + i % 3, None, 65.0 - i, 9) for i in range(1, 12, 3)]
    numbers = mixed_model_numbers(make_outcomes(rows, study), study, 0.95)
    for instrument in study.instrument_names:
        assert {f"mixed_models.{instrument}.{stat}" for stat in MODEL_STATS} <= set(numbers)
        for timepoint in ("discharge", "six_months", "followup"):
            assert {f"mixed_models.{instrument}.{timepoint}.{stat}" for stat in CHANGE_STATS} <= set(numbers)
    assert numbers["mixed_models.nprs.n_patients"] == 12 and numbers["mixed_models.nprs.n_observations"] == 22
    assert numbers["mixed_models.nprs.six_months.change"] is None  # nobody at six months
    assert numbers["mixed_models.nprs.discharge.change"] is not None
    assert numbers["mixed_models.dri.followup.change"] is None  # no DRI at followup
    low, change, high = (numbers[f"mixed_models.nprs.discharge.{stat}"] for stat in ("ci_low", "change", "ci_high"))
    assert low < change < high


def test_an_instrument_without_a_baseline_value_is_not_fitted():
    rows = [(f"p{i}", "discharge", 3 + i % 2, 10.0, 50.0) for i in range(6)]
    numbers = mixed_model_numbers(make_outcomes(rows, PAPER_STUDY), PAPER_STUDY, 0.95)
    assert numbers["mixed_models.nprs.fitted"] == 0 and numbers["mixed_models.nprs.converged"] is None
    assert numbers["mixed_models.nprs.discharge.change"] is None


def test_the_table_shows_the_complete_pairs_beside_the_model():
    rows = [(f"p{i}", "start", 6 + i % 3, 40.0 + i, 50.0 + i) for i in range(10)]
    rows += [(f"p{i}", "discharge", 4 + i % 2, 30.0 + i, 60.0 + 2 * i) for i in range(8)]
    rows += [(f"p{i}", "followup", 4 + i % 3, 32.0 + i, 58.0 + i) for i in range(2, 10)]
    outcomes = make_outcomes(rows, PAPER_STUDY)
    numbers = outcome_numbers(outcomes, PAPER_STUDY, "weibull") | mixed_model_numbers(outcomes, PAPER_STUDY, 0.95)
    table = mixed_models_table(numbers, PAPER_STUDY)
    assert len(table) == 6
    first = table.iloc[0]
    assert (first["n_pairs"], first["model_patients"], first["model_values"]) == ("8", "10", "26")
    assert first["model_status"].startswith("converged")
    # p0–p7: 6 7 8 6 7 8 6 7 → 4 5 4 5 4 5 4 5: changes −2 −2 −4 −1 −3 −3 −2 −2, mean −19/8
    assert first["pairs_mean_change_ci"].startswith("-2.4 (")
