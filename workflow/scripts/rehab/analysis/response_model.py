"""One multivariable logistic model of response per instrument at the last time point
(exploratory): response by the instrument's primary definition, over the evaluable patients
with every covariate recorded, on the instrument's baseline value and the configured baseline
covariates (`analysis.response_model.covariates`; numbers as they are, yes/no as 0/1,
categories as indicators against their first level). A number with more than two values
enters per standard deviation (its odds ratio is per SD, the SD recorded as `per`), so the
odds ratios of age in years and of pain duration in days are comparable. Maximum likelihood by
statsmodels' `Logit` (Newton); odds ratios with Wald intervals and p.

A model's status is recorded, never a crash:
- `separation` 1 when the fitted probabilities reach 0 or 1 (within 1e-8) for some patient
  or statsmodels reports perfect prediction: complete or quasi-complete separation, where the
  maximum likelihood estimate does not exist (e.g. a category whose patients all responded);
- `converged` 0 when Newton's method did not converge in `MAX_ITERATIONS` steps or the
  information matrix could not be inverted.
Either way no odds ratio is reported for that model. Too few patients (fewer than the
coefficients + 1, or no responder or no non-responder) give `fitted` 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rehab.analysis.covariates import covariate_frame, reference_levels
from rehab.analysis.outcomes import OutcomePanel
from rehab.analysis.responders import responder_status
from rehab.core.formatting import DASH, fmt_count, fmt_number, fmt_p
from rehab.core.study import Study, slug

COVARIATES_KEY = "analysis.response_model.covariates"
BASELINE_TERM = "baseline_value"
TERM_STATS = ("odds_ratio", "ci_low", "ci_high", "p", "per")
MODEL_STATS = ("n", "n_responders", "fitted", "converged", "separation")
MAX_ITERATIONS = 100
SEPARATION_TOLERANCE = 1e-8
OR_DECIMALS = 2


@dataclass(frozen=True)
class Term:
    key: str  # numbers.csv key part
    label: str
    column: str  # in the design frame


def design_terms(patients: pd.DataFrame, covariates: Sequence[str], frame: pd.DataFrame) -> list[Term]:
    """The baseline value, then each covariate column of `frame` (covariate_frame) as a term."""
    references = reference_levels(patients, covariates)
    terms = [Term(BASELINE_TERM, "baseline value", BASELINE_TERM)]
    for column in frame.columns:
        name, _, level = column.partition("=")
        label = f"{name}: {level} (vs {references[name]})" if level else name
        terms.append(Term(slug(column), label, column))
    keys = [term.key for term in terms]
    if len(set(keys)) != len(keys):  # two columns whose names differ only in punctuation
        terms = [Term(f"term_{index}", term.label, term.column) for index, term in enumerate(terms)]
    return terms


def _standardized(design: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """Each column with more than two values divided by its SD (centred), the SDs used; 1 for the others."""
    scaled, per = design.copy(), {}
    for column in design.columns:
        values = design[column]
        if values.nunique() > 2 and values.std(ddof=1) > 0:
            per[column] = float(values.std(ddof=1))
            scaled[column] = (values - values.mean()) / per[column]
        else:
            per[column] = 1.0
    return scaled, per


def fit_logistic(response: np.ndarray, design: pd.DataFrame, confidence_level: float) -> dict:
    """`converged`, `separation` and, when both allow, per column its odds ratio, interval and p."""
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

    exog = np.column_stack([np.ones(len(design)), design.to_numpy(dtype="float64")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = Logit(response, exog).fit(method="newton", maxiter=MAX_ITERATIONS, disp=0)
        except (PerfectSeparationError, np.linalg.LinAlgError):
            return {"converged": 0, "separation": 1, "terms": {}}
    fitted = result.predict()
    separation = any(issubclass(w.category, PerfectSeparationWarning) for w in caught) or bool(
        np.any((fitted < SEPARATION_TOLERANCE) | (fitted > 1 - SEPARATION_TOLERANCE))
    )
    converged = bool(result.mle_retvals.get("converged", False)) and bool(np.all(np.isfinite(result.bse)))
    if separation or not converged:
        return {"converged": int(converged), "separation": int(separation), "terms": {}}
    intervals = result.conf_int(alpha=1 - confidence_level)
    terms = {
        column: {
            "odds_ratio": float(np.exp(result.params[index])),
            "ci_low": float(np.exp(intervals[index, 0])),
            "ci_high": float(np.exp(intervals[index, 1])),
            "p": float(result.pvalues[index]),
        }
        for index, column in enumerate(design.columns, 1)
    }
    return {"converged": 1, "separation": 0, "terms": terms}


def response_model_numbers(
    patients: pd.DataFrame,
    outcomes: pd.DataFrame | OutcomePanel,
    study: Study,
    covariates: Sequence[str],
    confidence_level: float,
) -> dict:
    """`response_model.<instrument>.<last>.<MODEL_STATS>` and
    `response_model.<instrument>.<last>.<term>.<TERM_STATS>` (`<last>` the last time point)."""
    frame = covariate_frame(patients, covariates, COVARIATES_KEY)
    terms = design_terms(patients, covariates, frame)
    panel = OutcomePanel.of(outcomes)
    last = study.followed[-1]
    numbers: dict = {}
    for instrument in study.instruments:
        status = responder_status(panel, instrument, last.name, study.baseline.name)
        data = status.loc[status["evaluable"], ["responder", "baseline"]].rename(columns={"baseline": BASELINE_TERM})
        data = data.join(frame, how="left").dropna()
        design, per = _standardized(data[[term.column for term in terms]])
        response = data["responder"].to_numpy(dtype="float64")
        n_responders = int(response.sum())
        fitted = len(data) > len(terms) + 1 and 0 < n_responders < len(data)
        model = fit_logistic(response, design, confidence_level) if fitted else {"terms": {}}
        prefix = f"response_model.{instrument.name}.{last.name}"
        numbers |= {
            f"{prefix}.n": int(len(data)),
            f"{prefix}.n_responders": n_responders,
            f"{prefix}.fitted": int(fitted),
            f"{prefix}.converged": model.get("converged"),
            f"{prefix}.separation": model.get("separation"),
        }
        for term in terms:
            values = model["terms"].get(term.column, {})
            numbers |= {f"{prefix}.{term.key}.{stat}": values.get(stat) for stat in TERM_STATS[:-1]}
            numbers[f"{prefix}.{term.key}.per"] = per.get(term.column)
    return numbers


def response_model_table(
    numbers: Mapping, study: Study, patients: pd.DataFrame, covariates: Sequence[str]
) -> pd.DataFrame:
    """outcome, timepoint, n, responders, status, term (per SD or against the first level),
    odds ratio (CI) and p: one row per instrument and term."""
    terms = design_terms(patients, covariates, covariate_frame(patients, covariates, COVARIATES_KEY))
    last = study.followed[-1]
    rows = []
    for instrument in study.instruments:
        prefix = f"response_model.{instrument.name}.{last.name}"
        for term in terms:
            key = f"{prefix}.{term.key}"
            per = numbers[f"{key}.per"]
            odds_ratio = numbers[f"{key}.odds_ratio"]
            rows.append(
                {
                    "outcome": instrument.label,
                    "timepoint": last.label,
                    "n": fmt_count(numbers[f"{prefix}.n"]),
                    "responders": fmt_count(numbers[f"{prefix}.n_responders"]),
                    "status": _status(numbers, prefix),
                    "term": term.label if per in (None, 1.0) else f"{term.label} (per SD, {fmt_number(per, 1)})",
                    "odds_ratio_ci": DASH
                    if odds_ratio is None
                    else f"{fmt_number(odds_ratio, OR_DECIMALS)} ({fmt_number(numbers[f'{key}.ci_low'], OR_DECIMALS)}"
                    f"–{fmt_number(numbers[f'{key}.ci_high'], OR_DECIMALS)})",
                    "p": fmt_p(numbers[f"{key}.p"]),
                }
            )
    return pd.DataFrame(rows)


def _status(numbers: Mapping, prefix: str) -> str:
    if not numbers[f"{prefix}.fitted"]:
        return "not fitted (too few patients or responders)"
    if numbers[f"{prefix}.separation"]:
        return "separation: no estimate"
    return "exploratory" if numbers[f"{prefix}.converged"] else "not converged: no estimate"
