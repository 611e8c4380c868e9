"""One multivariable logistic model of response per instrument at the last time point
(exploratory): response by the instrument's primary definition, over the evaluable patients
with every covariate recorded, on the instrument's baseline value and the configured baseline
covariates (`analysis.response_model.covariates`; numbers as they are, yes/no as 0/1,
categories as indicators against their first level). A number with more than two values
enters per standard deviation (its odds ratio is per SD, the SD recorded as `per`), so the
odds ratios of age in years and of pain duration in days are comparable. Maximum likelihood by
statsmodels' `Logit` (Newton); odds ratios with Wald intervals and p.

No category is published on its own with fewer patients than the subgroups' minimum group
size (`analysis.subgroups.min_group_size`), so that no odds ratio speaks for a group the
subgroup table would suppress: per model, a category (or a yes/no answer) with fewer patients
in the model is pooled with the next smallest category of the same covariate, until every
category has enough (`pooled_levels`); a covariate left with one category drops out. The
pooling reads the counts of patients in the model only, never their responses, so which
categories are pooled tells nothing about response.

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

from rehab.analysis.covariates import category_levels, covariate_frame, is_numeric_covariate, reference_levels
from rehab.analysis.outcomes import OutcomePanel
from rehab.analysis.responders import responder_status
from rehab.core.formatting import DASH, fmt_count, fmt_number, fmt_p
from rehab.core.study import Instrument, Study, Timepoint, slug

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


@dataclass(frozen=True)
class ResponseModel:
    """One instrument's model: its terms (in the order of the table) and its numbers.csv values."""

    instrument: Instrument
    timepoint: Timepoint
    terms: list[Term]
    numbers: dict


def pooled_levels(values: pd.Series, min_group_size: int) -> dict[str, str]:
    """Each level with patients in `values` mapped to the category it is shown as: itself, or
    the levels it is pooled with, joined by " or " in their declared order. While a category
    has fewer than `min_group_size` patients, the smallest (the first declared among equals)
    is pooled with the next smallest of the others; the counts are of patients alone."""
    order = category_levels(values)
    counts = values.dropna().astype("string").value_counts()
    groups = [[level] for level in order if counts.get(level, 0) > 0]
    sizes = [int(counts[group[0]]) for group in groups]
    while len(groups) > 1 and min(sizes) < min_group_size:
        small = int(np.argmin(sizes))
        partner = min((index for index in range(len(groups)) if index != small), key=lambda i: (sizes[i], i))
        keep, merged = sorted((small, partner))
        groups[keep] = sorted(groups[keep] + groups[merged], key=order.index)
        sizes[keep] += sizes.pop(merged)
        del groups[merged]
    return {level: " or ".join(group) for group in groups for level in group}


def with_pooled_levels(data: pd.DataFrame, covariates: Sequence[str], min_group_size: int) -> pd.DataFrame:
    """`data` with each categorical covariate's small levels pooled (`pooled_levels`, the
    categories in the order of their first level); a yes/no covariate with a small answer,
    or a covariate left with one category, becomes constant (and drops out of the model)."""
    pooled = data.copy()
    for name in covariates:
        values = data[name]
        if pd.api.types.is_bool_dtype(values.dtype):
            answers = values.value_counts()
            if len(answers) < 2 or int(answers.min()) < min_group_size:
                pooled[name] = 0.0
            continue
        if is_numeric_covariate(values):
            continue
        mapping = pooled_levels(values, min_group_size)
        categories = list(dict.fromkeys(mapping.values()))
        pooled[name] = pd.Categorical(values.astype("string").map(mapping).astype("object"), categories=categories)
    return pooled


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


def fit_response_models(
    patients: pd.DataFrame,
    outcomes: pd.DataFrame | OutcomePanel,
    study: Study,
    covariates: Sequence[str],
    min_group_size: int,
    confidence_level: float,
) -> list[ResponseModel]:
    """One model per instrument at the last time point, over its evaluable patients with every
    covariate recorded (a covariate without two values among all patients is left out), the
    small categories pooled per model (`with_pooled_levels`)."""
    usable = _usable_covariates(patients, covariates)
    raw = patients.set_index("patient_id")[usable]
    panel = OutcomePanel.of(outcomes)
    last = study.followed[-1]
    models = []
    for instrument in study.instruments:
        status = responder_status(panel, instrument, last.name, study.baseline.name)
        data = status.loc[status["evaluable"], ["responder", "baseline"]].rename(columns={"baseline": BASELINE_TERM})
        data = with_pooled_levels(data.join(raw, how="left").dropna(), usable, min_group_size)
        records = data.rename_axis("patient_id").reset_index()
        frame = covariate_frame(records, usable, COVARIATES_KEY).set_axis(data.index, axis=0)
        terms = design_terms(records, usable, frame)
        model = _fit_model(data[["responder", BASELINE_TERM]].join(frame), terms, confidence_level)
        prefix = f"response_model.{instrument.name}.{last.name}"
        numbers = {f"{prefix}.{stat}": model[stat] for stat in MODEL_STATS}
        for term in terms:
            numbers |= {
                f"{prefix}.{term.key}.{stat}": model["terms"].get(term.column, {}).get(stat) for stat in TERM_STATS
            }
        models.append(ResponseModel(instrument, last, terms, numbers))
    return models


def _usable_covariates(patients: pd.DataFrame, covariates: Sequence[str]) -> list[str]:
    """The covariates with at least two values among all patients (`covariate_frame`, which
    also names an absent one with its config key)."""
    columns = covariate_frame(patients, covariates, COVARIATES_KEY).columns
    return [name for name in covariates if any(column.partition("=")[0] == name for column in columns)]


def _fit_model(data: pd.DataFrame, terms: list[Term], confidence_level: float) -> dict:
    """MODEL_STATS and per column its TERM_STATS (`per` always; the others when fitted)."""
    design, per = _standardized(data[[term.column for term in terms]])
    response = data["responder"].to_numpy(dtype="float64")
    n_responders = int(response.sum())
    fitted = len(data) > len(terms) + 1 and 0 < n_responders < len(data)
    model = fit_logistic(response, design, confidence_level) if fitted else {"terms": {}}
    found = {column: {**values, "per": per[column]} for column, values in model["terms"].items()}
    found |= {column: {"per": per[column]} for column in per if column not in found}
    return {
        "n": int(len(data)),
        "n_responders": n_responders,
        "fitted": int(fitted),
        "converged": model.get("converged"),
        "separation": model.get("separation"),
        "terms": found,
    }


def response_model_numbers(models: Sequence[ResponseModel]) -> dict:
    """`response_model.<instrument>.<last>.<MODEL_STATS>` and
    `response_model.<instrument>.<last>.<term>.<TERM_STATS>` (`<last>` the last time point)."""
    numbers: dict = {}
    for model in models:
        numbers |= model.numbers
    return numbers


def response_model_table(models: Sequence[ResponseModel]) -> pd.DataFrame:
    """outcome, timepoint, n, responders, status, term (per SD or against the first level;
    pooled categories joined by "or"), odds ratio (CI) and p: one row per instrument and term."""
    rows = []
    for model in models:
        numbers = model.numbers
        prefix = f"response_model.{model.instrument.name}.{model.timepoint.name}"
        for term in model.terms:
            key = f"{prefix}.{term.key}"
            per = numbers[f"{key}.per"]
            odds_ratio = numbers[f"{key}.odds_ratio"]
            rows.append(
                {
                    "outcome": model.instrument.label,
                    "timepoint": model.timepoint.label,
                    "n": fmt_count(numbers[f"{prefix}.n"]),
                    "n_responders": fmt_count(numbers[f"{prefix}.n_responders"]),
                    "status": _status(numbers, prefix),
                    "term": term.label if per in (None, 1.0) else f"{term.label} (per SD, {fmt_number(per, 1)})",
                    "odds_ratio_ci": DASH
                    if odds_ratio is None
                    else f"{fmt_number(odds_ratio, OR_DECIMALS)} ({fmt_number(numbers[f'{key}.ci_low'], OR_DECIMALS)}"
                    f"–{fmt_number(numbers[f'{key}.ci_high'], OR_DECIMALS)})",
                    "p": fmt_p(numbers[f"{key}.p"]),
                }
            )
    return pd.DataFrame(
        rows, columns=["outcome", "timepoint", "n", "n_responders", "status", "term", "odds_ratio_ci", "p"]
    )


def _status(numbers: Mapping, prefix: str) -> str:
    if not numbers[f"{prefix}.fitted"]:
        return "not fitted (too few patients or responders)"
    if numbers[f"{prefix}.separation"]:
        return "separation: no estimate"
    return "exploratory" if numbers[f"{prefix}.converged"] else "not converged: no estimate"
