"""Models over every observation: per instrument, a linear mixed model of the value on the
time point (categorical, the baseline its reference level) with a random intercept per
patient, fitted to every recorded value, so a patient with a value at some time points only
still counts (the complete-pairs changes of Table 4 leave them out). Its coefficient of a
later time point is the estimated mean change from the baseline; the interval is Wald's
(normal quantiles, as statsmodels' MixedLM gives it).

The model and its estimates are statsmodels' `MixedLM(value, [1, time point indicators],
groups=patient).fit(reml=True)` (tests/unit/test_mixed_models.py compares them), but the fit
is computed from sufficient statistics: MixedLM evaluates its likelihood patient by patient
in Python (193 s for 10^5 patients, about an hour at 10^6), while for a random intercept the
restricted likelihood depends on the data only through X'X, X'y, y'y and, per number of
values a patient has, the sums of their per-patient design and value totals. With
V_i = σ²(I + γJ) and w_i = γ / (1 + n_i γ):

    A(γ) = X'X − Σ_i w_i s_i s_i',   b(γ) = X'y − Σ_i w_i s_i t_i,   β = A⁻¹b,
    Q(γ) = y'y − Σ_i w_i t_i² − b'β,   σ² = Q / (N − p),
    REML(γ) = −½ [(N − p) log σ² + Σ_i log(1 + n_i γ) + log|A|] + constant,

s_i and t_i being patient i's column sums of X and its values' sum. The one variance ratio is
found on a grid of the intra-class correlation ρ = γ / (1 + γ) in [0, 1) and refined by
bounded Brent minimisation (scipy); the fixed effects' covariance is σ²A⁻¹ (lme4's; MixedLM
takes its from the observed information of all parameters: equal to 10^-4 on small cohorts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rehab.analysis.outcomes import TABLE_DECIMALS, OutcomePanel, change_prefix
from rehab.core.formatting import fmt_count, fmt_estimate_ci
from rehab.core.study import Study

CHANGE_STATS = ("change", "se", "ci_low", "ci_high")
MODEL_STATS = (
    "n_patients",
    "n_observations",
    "fitted",
    "converged",
    "boundary",
    "intercept_variance",
    "residual_variance",
)
RHO_GRID = np.linspace(0.0, 0.999, 100)  # the intra-class correlation's start grid
RHO_TOLERANCE = 1e-10


@dataclass(frozen=True)
class RandomInterceptFit:
    """The REML fit: `coefficients` (the intercept of the centred values, then one per
    further level), their `covariance`, the variance components, and its status."""

    coefficients: np.ndarray
    covariance: np.ndarray
    intercept_variance: float
    residual_variance: float
    converged: bool
    boundary: bool  # the random intercept's variance is 0 (the fit is ordinary least squares)


@dataclass(frozen=True)
class _Sums:
    """The sufficient statistics of the restricted likelihood (values centred)."""

    n: int
    xx: np.ndarray
    xy: np.ndarray
    yy: float
    sizes: np.ndarray  # the distinct numbers of values per patient
    patients: np.ndarray  # per size: how many patients
    ss: np.ndarray  # per size: Σ s_i s_i'
    st: np.ndarray  # per size: Σ s_i t_i
    tt: np.ndarray  # per size: Σ t_i²


def _sums(codes: np.ndarray, levels: np.ndarray, values: np.ndarray, n_levels: int) -> _Sums:
    """The statistics of the observations (patient codes 0…G−1, levels 0…L−1, values)."""
    design = np.zeros((values.size, n_levels))
    design[:, 0] = 1.0
    design[np.arange(values.size), levels] = 1.0  # level 0 (the reference) only has the intercept
    centred = values - values.mean()
    groups = int(codes.max()) + 1
    per_patient = np.bincount(codes, minlength=groups)
    s = np.column_stack([np.bincount(codes, weights=design[:, k], minlength=groups) for k in range(n_levels)])
    t = np.bincount(codes, weights=centred, minlength=groups)
    present = per_patient > 0
    sizes, size_index = np.unique(per_patient[present], return_inverse=True)
    s, t = s[present], t[present]
    ss = np.stack([s[size_index == k].T @ s[size_index == k] for k in range(sizes.size)])
    st = np.stack([s[size_index == k].T @ t[size_index == k] for k in range(sizes.size)])
    tt = np.array([t[size_index == k] @ t[size_index == k] for k in range(sizes.size)])
    return _Sums(
        n=int(values.size),
        xx=design.T @ design,
        xy=design.T @ centred,
        yy=float(centred @ centred),
        sizes=sizes.astype("float64"),
        patients=np.bincount(size_index).astype("float64"),
        ss=ss,
        st=st,
        tt=tt,
    )


def _profile(sums: _Sums, rho: float) -> tuple[float, np.ndarray, np.ndarray, float, float]:
    """(restricted log-likelihood, β, A, σ², γ) at the intra-class correlation `rho`."""
    gamma = rho / (1.0 - rho)
    weights = gamma / (1.0 + sums.sizes * gamma)
    a = sums.xx - np.tensordot(weights, sums.ss, axes=1)
    b = sums.xy - weights @ sums.st
    beta = np.linalg.solve(a, b)
    p = a.shape[0]
    q = sums.yy - weights @ sums.tt - b @ beta
    sigma2 = q / (sums.n - p)
    _, log_det = np.linalg.slogdet(a)
    log_likelihood = -0.5 * ((sums.n - p) * math.log(sigma2) + sums.patients @ np.log1p(sums.sizes * gamma) + log_det)
    return log_likelihood, beta, a, sigma2, gamma


def fit_random_intercept(
    codes: np.ndarray, levels: np.ndarray, values: np.ndarray, n_levels: int
) -> RandomInterceptFit | None:
    """The REML fit of value ~ level (level 0 the reference) + (1 | patient); None when the
    data cannot identify it (fewer observations than coefficients + 1, no residual spread)."""
    if values.size <= n_levels or np.ptp(values) == 0:
        return None
    try:
        return _fit(_sums(codes, levels, values, n_levels))
    except (ValueError, np.linalg.LinAlgError):  # log of a zero residual variance, a singular design
        return None


def _fit(sums: _Sums) -> RandomInterceptFit:
    from scipy import optimize

    def objective(rho: float) -> float:
        return -_profile(sums, rho)[0]

    on_grid = np.array([objective(rho) for rho in RHO_GRID])  # 100 evaluations of a p × p problem
    best = int(np.argmin(on_grid))
    bounds = (RHO_GRID[max(best - 1, 0)], RHO_GRID[min(best + 1, RHO_GRID.size - 1)])
    refined = optimize.minimize_scalar(objective, bounds=bounds, method="bounded", options={"xatol": RHO_TOLERANCE})
    rho = 0.0 if best == 0 and objective(0.0) <= refined.fun else float(refined.x)
    _, beta, a, sigma2, gamma = _profile(sums, rho)
    at_upper_end = rho >= RHO_GRID[-1] - RHO_TOLERANCE  # the residual variance would vanish
    return RandomInterceptFit(
        coefficients=beta,
        covariance=sigma2 * np.linalg.inv(a),
        intercept_variance=float(gamma * sigma2),
        residual_variance=float(sigma2),
        converged=bool(refined.success) and not at_upper_end,
        boundary=rho == 0.0,
    )


def _observations(panel: OutcomePanel, instrument: str, study: Study) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(patient codes, level, value) of every recorded value: level 0 the baseline, then the
    later time points in declared order."""
    order = [study.baseline, *study.followed]
    parts = [panel.values(instrument, timepoint.name) for timepoint in order]
    codes = np.concatenate([part[0] for part in parts])
    levels = np.concatenate([np.full(part[0].size, index) for index, part in enumerate(parts)])
    values = np.concatenate([part[1] for part in parts])
    return codes, levels, values


def mixed_model_numbers(outcomes: pd.DataFrame | OutcomePanel, study: Study, confidence_level: float) -> dict:
    """`mixed_models.<instrument>.<MODEL_STATS>` and `mixed_models.<instrument>.<later>.<CHANGE_STATS>`.

    A later time point without any value has no coefficient (the model is fitted without
    it); with no baseline value, or too few values, the model is not fitted (`fitted` 0); a
    fit that did not converge (`converged` 0) reports no change."""
    from scipy import stats as scipy_stats

    z = float(scipy_stats.norm.ppf(0.5 + confidence_level / 2))
    panel = OutcomePanel.of(outcomes)
    numbers: dict = {}
    for instrument in study.instrument_names:
        codes, levels, values = _observations(panel, instrument, study)
        present = np.unique(levels)
        fit = None
        if present.size > 1 and present[0] == 0:
            relabel = np.searchsorted(present, levels)  # levels without a value are left out
            fit = fit_random_intercept(codes, relabel, values, present.size)
        prefix = f"mixed_models.{instrument}"
        numbers |= {
            f"{prefix}.n_patients": int(np.unique(codes).size),
            f"{prefix}.n_observations": int(values.size),
            f"{prefix}.fitted": int(fit is not None),
            f"{prefix}.converged": None if fit is None else int(fit.converged),
            f"{prefix}.boundary": None if fit is None else int(fit.boundary),
            f"{prefix}.intercept_variance": None if fit is None else fit.intercept_variance,
            f"{prefix}.residual_variance": None if fit is None else fit.residual_variance,
        }
        for index, timepoint in enumerate(study.followed, 1):
            change = dict.fromkeys(CHANGE_STATS)
            if fit is not None and fit.converged and index in present:
                column = int(np.searchsorted(present, index))
                estimate, se = float(fit.coefficients[column]), math.sqrt(fit.covariance[column, column])
                change = {"change": estimate, "se": se, "ci_low": estimate - z * se, "ci_high": estimate + z * se}
            numbers |= {f"{prefix}.{timepoint.name}.{stat}": change[stat] for stat in CHANGE_STATS}
    return numbers


def mixed_models_table(numbers: dict, study: Study) -> pd.DataFrame:
    """outcome, timepoint, the complete-pairs n and mean change (CI) of Table 4 beside the
    mixed model's change (CI) and the patients and values it used."""
    rows = []
    for instrument in study.instruments:
        model = f"mixed_models.{instrument.name}"
        for timepoint in study.followed:
            pairs = change_prefix(instrument.name, timepoint.name)
            change = f"{model}.{timepoint.name}"
            rows.append(
                {
                    "outcome": instrument.table_label,
                    "timepoint": timepoint.label,
                    "n_pairs": fmt_count(numbers[f"{pairs}.n"]),
                    "pairs_mean_change_ci": fmt_estimate_ci(
                        *(numbers[f"{pairs}.{stat}"] for stat in ("mean", "mean_ci_low", "mean_ci_high")),
                        decimals=TABLE_DECIMALS,
                    ),
                    "model_change_ci": fmt_estimate_ci(
                        *(numbers[f"{change}.{stat}"] for stat in ("change", "ci_low", "ci_high")),
                        decimals=TABLE_DECIMALS,
                    ),
                    "model_patients": fmt_count(numbers[f"{model}.n_patients"]),
                    "model_values": fmt_count(numbers[f"{model}.n_observations"]),
                    "model_status": _status(numbers, model),
                }
            )
    return pd.DataFrame(rows)


def _status(numbers: dict, model: str) -> str:
    if not numbers[f"{model}.fitted"]:
        return "not fitted (too few values)"
    if not numbers[f"{model}.converged"]:
        return "not converged"
    return "converged (random intercept variance 0)" if numbers[f"{model}.boundary"] else "converged"
