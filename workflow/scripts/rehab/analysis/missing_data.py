"""Missing follow-up values in the responder analysis: four estimates per instrument and time
point after the baseline, all over the patients with a baseline value (primary definitions).

- complete case: the evaluable patients only (`responders.<instrument>.<timepoint>.*`);
  unbiased when values are missing completely at random (MCAR);
- worst case: a missing value counts as a non-responder;
- best case: a missing value counts as a responder, unless even the instrument's best
  value could not meet the definition from that patient's baseline (it cannot be one);
- imputed: multiple imputation by chained equations (statsmodels MICEData: a linear model
  per incomplete variable, Gaussian parameter draws, predictive mean matching) of the missing
  follow-up value from the baseline value and the configured baseline covariates; valid when
  values are missing at random (MAR) given them. The responder status is derived from each
  imputed data set and the proportions pooled by Rubin's rules on the logit scale.

The two bounds need no assumption about why values are missing: the true proportion lies
between them. Bounds' intervals are Wilson intervals over the patients with a baseline value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rehab.analysis.covariates import covariate_frame
from rehab.analysis.outcomes import OutcomePanel
from rehab.analysis.responders import meets_rule, responder_status
from rehab.analysis.stats import as_number, named_generator, percentage, wilson_interval
from rehab.core.formatting import DASH, fmt_count, fmt_interval, fmt_number
from rehab.core.study import Instrument, Study

SCENARIOS = ("complete_case", "worst_case", "best_case", "imputed")
SCENARIO_LABELS = {
    "complete_case": "Complete case",
    "worst_case": "Worst case (missing = non-responder)",
    "best_case": "Best case (missing = responder)",
    "imputed": "Multiple imputation (MAR)",
}
BOUND_STATS = ("n_responders", "n_evaluable", "pct", "ci_low", "ci_high")
IMPUTED_STATS = ("pct", "ci_low", "ci_high", "n_patients", "n_imputed", "imputations", "df", "fmi")
# n_patients: the patients imputed (all with a baseline value, or a sample of max_patients)
# The chain: burn-in cycles before the first imputed data set, then one cycle per data set
# (the follow-up value is nearly the only incomplete variable, so the chain mixes at once).
BURN_IN_CYCLES = 5
PMM_DONORS = 5  # van Buuren's default; statsmodels' 20 is too many for small cohorts


COVARIATES_KEY = "analysis.missing_data.covariates"


@dataclass(frozen=True)
class ImputationSettings:
    imputations: int
    seed: int
    covariates: tuple[str, ...]
    max_patients: int = 20_000

    @classmethod
    def from_config(cls, settings: Mapping) -> ImputationSettings:
        """From `analysis.missing_data`."""
        return cls(
            imputations=int(settings["imputations"]),
            seed=int(settings["seed"]),
            covariates=tuple(settings["covariates"]),
            max_patients=int(settings["max_patients"]),
        )


# ---------------------------------------------------------------- bounds


def bounds(status: pd.DataFrame, confidence_level: float) -> dict[str, dict]:
    """Worst and best case over every patient with a baseline value (`status`: responder_status)."""
    missing = ~status["evaluable"]
    observed = int(status.loc[status["evaluable"], "responder"].sum())
    could_respond = int((missing & ~status["cannot_improve"]).sum())
    n = int(len(status))
    result = {}
    for scenario, responders in (("worst_case", observed), ("best_case", observed + could_respond)):
        low, high = wilson_interval(responders, n, confidence_level)
        result[scenario] = {
            "n_responders": responders,
            "n_evaluable": n,
            "pct": percentage(responders, n),
            "ci_low": low,
            "ci_high": high,
        }
    return result


# ---------------------------------------------------------------- Rubin's rules


def pool_logit(estimates: Sequence[float], variances: Sequence[float], n: int, confidence_level: float) -> dict:
    """Rubin's rules for M logit-scale estimates with their within-imputation variances:
    pooled estimate, total variance T = W + (1 + 1/M) B, Barnard–Rubin (1999) degrees of
    freedom with complete-data df n − 1, fraction of missing information, and the t interval.
    Everything back-transformed to percent."""
    q = np.asarray(estimates, dtype="float64")
    u = np.asarray(variances, dtype="float64")
    m = q.size
    q_bar, within = float(q.mean()), float(u.mean())
    between = float(q.var(ddof=1)) if m > 1 else 0.0
    total = within + (1 + 1 / m) * between
    share = (1 + 1 / m) * between / total  # lambda: variance share due to missing data
    df_complete = max(n - 1, 1)
    df_observed = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - share)
    df = df_observed if share == 0 else 1 / (share**2 / (m - 1) + 1 / df_observed)
    from scipy import stats as scipy_stats
    from scipy.special import expit

    half_width = scipy_stats.t.ppf(0.5 + confidence_level / 2, df) * np.sqrt(total)
    return {
        "pct": 100.0 * float(expit(q_bar)),
        "ci_low": 100.0 * float(expit(q_bar - half_width)),
        "ci_high": 100.0 * float(expit(q_bar + half_width)),
        "df": float(df),
        "fmi": float((df + 1) / (df + 3) * share + 2 / (df + 3)),
        "total_variance": float(total),
        "logit": q_bar,
    }


def logit_estimates(responders: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Logit of each imputed proportion and its variance 1 / (n p (1 − p)) (the intercept and
    its variance of an intercept-only logistic regression). When any proportion is 0 or 1 the
    empirical logit (0.5 added to responders and non-responders) is used for all of them."""
    k = np.asarray(responders, dtype="float64")
    if np.any((k == 0) | (k == n)):
        return np.log((k + 0.5) / (n - k + 0.5)), 1 / (k + 0.5) + 1 / (n - k + 0.5)
    from scipy.special import logit

    p = k / n
    return logit(p), 1 / (n * p * (1 - p))


# ---------------------------------------------------------------- multiple imputation


def _imputation_data(status: pd.DataFrame, covariates: pd.DataFrame) -> pd.DataFrame:
    """value, baseline and the covariates (x0, x1, …: names the imputation formulas accept)."""
    data = pd.DataFrame({"value": status["value"], "baseline": status["baseline"]}, index=status.index)
    data = data.join(covariates.set_axis([f"x{i}" for i in range(covariates.shape[1])], axis=1), how="left")
    return data.loc[:, [c for c in data.columns if c in ("value", "baseline") or data[c].notna().any()]]


def _main_effects_chain(data: pd.DataFrame, k_pmm: int, rng: np.random.Generator):
    """statsmodels' MICEData with its default conditional models (OLS of each incomplete
    variable on every other one as a main effect, with an intercept), whose design matrices
    are taken from the frame directly: the matrices the default formulas build, without the
    formula parser's cost on every update (most of the run time on small cohorts)."""
    from statsmodels.imputation.mice import MICEData

    class MainEffectsMICEData(MICEData):
        def _design(self, vname: str) -> tuple[np.ndarray, np.ndarray]:
            values = self.data.to_numpy(dtype="float64")
            column = self.data.columns.get_loc(vname)
            exog = np.column_stack([np.ones(len(values)), np.delete(values, column, axis=1)])
            return values[:, column].copy(), exog

        def get_split_data(self, vname):
            endog, exog = self._design(vname)
            observed, missing = self.ix_obs[vname], self.ix_miss[vname]
            return endog[observed], exog[observed], exog[missing], {}, {}

        def get_fitting_data(self, vname):
            endog, exog = self._design(vname)
            observed = self.ix_obs[vname]
            return endog[observed], exog[observed], {}, {}

    return MainEffectsMICEData(data, k_pmm=k_pmm, rng=rng)


def imputed_responders(
    status: pd.DataFrame, covariates: pd.DataFrame, rule: Mapping, imputations: int, rng: np.random.Generator
) -> np.ndarray | None:
    """Responders in each of `imputations` data sets whose missing follow-up values (and
    missing covariates) were imputed by chained equations; None when the observed values are
    too few to fit the imputation model."""
    data = _imputation_data(status, covariates).reset_index(drop=True)
    n_observed = int(data["value"].notna().sum())
    if n_observed < data.shape[1] + 2:
        return None
    if n_observed == len(data):
        return np.full(imputations, int(status["responder"].sum()), dtype="int64")
    chain = _main_effects_chain(data, min(PMM_DONORS, n_observed), rng)
    chain.update_all(BURN_IN_CYCLES)
    baseline = data["baseline"]
    counts = []
    for _ in range(imputations):
        imputed = chain.next_sample()["value"]
        counts.append(int(meets_rule(baseline, imputed, rule).sum()))
    return np.asarray(counts, dtype="int64")


def chain_seed(seed: int, instrument: str, timepoint: str, purpose: str = "chain") -> np.random.Generator:
    """The imputations' generator of an instrument, time point and purpose (`named_generator`)."""
    return named_generator(seed, instrument, timepoint, purpose)


def imputation_sample(status: pd.DataFrame, max_patients: int, rng: np.random.Generator) -> pd.DataFrame:
    """`status` itself, or a random sample of `max_patients` of its patients (in their order)
    when there are more: the chained equations cost grows with the patients times the
    imputations, and beyond some ten thousand patients the sample's interval is already narrow."""
    if len(status) <= max_patients:
        return status
    return status.iloc[np.sort(rng.choice(len(status), size=max_patients, replace=False))]


def imputed_estimate(
    status: pd.DataFrame,
    covariates: pd.DataFrame,
    instrument: Instrument,
    timepoint: str,
    settings: ImputationSettings,
    confidence_level: float,
) -> dict:
    """IMPUTED_STATS of one instrument and time point (pct and CI None when not computable)."""
    status = imputation_sample(
        status, settings.max_patients, chain_seed(settings.seed, instrument.name, timepoint, "sample")
    )
    n = int(len(status))
    result = dict.fromkeys(IMPUTED_STATS)
    result.update(n_patients=n, n_imputed=int((~status["evaluable"]).sum()), imputations=settings.imputations)
    if n == 0:
        return result
    rng = chain_seed(settings.seed, instrument.name, timepoint)
    counts = imputed_responders(status, covariates, instrument.primary.as_rule(), settings.imputations, rng)
    if counts is None:
        return result
    estimates, variances = logit_estimates(counts, n)
    pooled = pool_logit(estimates, variances, n, confidence_level)
    result.update({stat: pooled[stat] for stat in ("pct", "ci_low", "ci_high", "df", "fmi")})
    return result


# ---------------------------------------------------------------- numbers and table


def missing_data_numbers(
    patients: pd.DataFrame,
    outcomes: pd.DataFrame,
    study: Study,
    settings: ImputationSettings,
    confidence_level: float,
) -> dict:
    """`responders.<instrument>.<timepoint>.worst_case|best_case.<BOUND_STATS>` and
    `.imputed.<IMPUTED_STATS>`, plus the settings `responders.missing_data.*`."""
    covariates = covariate_frame(patients, settings.covariates, COVARIATES_KEY)
    numbers: dict = {
        "responders.missing_data.imputations": settings.imputations,
        "responders.missing_data.seed": settings.seed,
        "responders.missing_data.burn_in_cycles": BURN_IN_CYCLES,
        "responders.missing_data.pmm_donors": PMM_DONORS,
        "responders.missing_data.max_patients": settings.max_patients,
    }
    panel = OutcomePanel.of(outcomes)
    for instrument in study.instruments:
        for timepoint in study.followed:
            status = responder_status(panel, instrument, timepoint.name, study.baseline.name)
            prefix = f"responders.{instrument.name}.{timepoint.name}"
            for scenario, values in bounds(status, confidence_level).items():
                numbers.update({f"{prefix}.{scenario}.{stat}": values[stat] for stat in BOUND_STATS})
            imputed = imputed_estimate(status, covariates, instrument, timepoint.name, settings, confidence_level)
            numbers.update({f"{prefix}.imputed.{stat}": imputed[stat] for stat in IMPUTED_STATS})
    return numbers


def _estimate(numbers: Mapping, prefix: str) -> str:
    """`45 (39–51)`: the percentage and its interval."""
    pct = numbers.get(f"{prefix}.pct")
    if pct is None:
        return DASH
    return (
        f"{fmt_number(pct, 0)} ({fmt_interval(numbers.get(f'{prefix}.ci_low'), numbers.get(f'{prefix}.ci_high'), 0)})"
    )


def missing_data_table(numbers: Mapping, study: Study) -> pd.DataFrame:
    """outcome, timepoint, with_baseline, missing (no value at the time point), then the four
    estimates as `% (CI)`. `numbers`: responder_numbers (complete case) and missing_data_numbers."""
    rows = []
    for instrument in study.instruments:
        for timepoint in study.followed:
            prefix = f"responders.{instrument.name}.{timepoint.name}"
            rows.append(
                {
                    "outcome": instrument.label,
                    "timepoint": timepoint.label,
                    "with_baseline": fmt_count(numbers.get(f"{prefix}.worst_case.n_evaluable")),
                    "missing": fmt_count(numbers.get(f"{prefix}.n_missing")),
                    **{scenario: _estimate(numbers, _scenario_prefix(prefix, scenario)) for scenario in SCENARIOS},
                }
            )
    return pd.DataFrame(rows)


def _scenario_prefix(prefix: str, scenario: str) -> str:
    return prefix if scenario == "complete_case" else f"{prefix}.{scenario}"


def scenario_estimates(numbers: Mapping, study: Study) -> pd.DataFrame:
    """Long form for the figure: instrument, timepoint, scenario, pct, ci_low, ci_high (NaN
    when not computable)."""
    rows = [
        {
            "instrument": instrument.name,
            "timepoint": timepoint.name,
            "scenario": scenario,
            **{
                stat: as_number(numbers.get(f"{_scenario_prefix(prefix, scenario)}.{stat}"))
                for stat in ("pct", "ci_low", "ci_high")
            },
        }
        for instrument in study.instruments
        for timepoint in study.followed
        for prefix in [f"responders.{instrument.name}.{timepoint.name}"]
        for scenario in SCENARIOS
    ]
    return pd.DataFrame(rows).astype({"pct": "float64", "ci_low": "float64", "ci_high": "float64"})
