"""Responder proportions by subgroup (sex, age band, pain distribution, main pain location,
baseline severity), with Wilson intervals; small groups are suppressed.

Patients with a missing subgroup variable (or an age / start value outside the configured
bands) take no part in that variable's groups.
"""

from __future__ import annotations

import re
from typing import Mapping

import numpy as np
import pandas as pd

from rehab.baseline import MAIN_PAIN_LOCATION, PAIN_DISTRIBUTION
from rehab.errors import PipelineError
from rehab.formatting import fmt_count, fmt_interval, fmt_number
from rehab.outcomes import FOLLOWED_TIMEPOINTS, OUTCOMES, TIMEPOINT_NAMES, values_at
from rehab.responders import check_rule, outcome_label, responder_status
from rehab.safe_io import write_csv
from rehab.stats import wilson_interval

SUPPRESSED = "suppressed"
RESULT_COLUMNS = [
    "outcome", "outcome_label", "timepoint", "subgroup", "subgroup_label", "group", "group_label", "order",
    "n_evaluable", "n_responders", "pct", "ci_low", "ci_high", "suppressed",
]


class SubgroupConfigError(PipelineError):
    """The subgroup bands or labels of the config do not fit together."""


def slug(text: str) -> str:
    """A key part: lower case letters, digits and `_`."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "group"


def _grouping(values: pd.Series, keys: list[str], labels: list[str]) -> tuple[pd.Series, dict[str, str]]:
    return pd.Categorical(values, categories=keys), dict(zip(keys, labels))


def age_bands(ages: pd.Series, edges: list[int]) -> tuple[pd.Categorical, dict[str, str]]:
    """Bands from lower edge (inclusive) to next edge (exclusive): 18–29, 30–44, …"""
    keys = [f"{low}_{high - 1}" for low, high in zip(edges[:-1], edges[1:])]
    labels = [f"{low}–{high - 1}" for low, high in zip(edges[:-1], edges[1:])]
    banded = pd.cut(ages.astype("float64"), bins=edges, right=False, labels=keys)
    return _grouping(banded.astype("object"), keys, labels)


def severity_bands(start: pd.Series, settings: Mapping) -> tuple[pd.Categorical, dict[str, str]]:
    """Bands of the start value (lower inclusive), labelled as configured."""
    bands, labels = list(settings["bands"]), list(settings["labels"])
    if len(labels) != len(bands) - 1 or sorted(bands) != bands or len(set(bands)) != len(bands):
        raise SubgroupConfigError(
            "config key analysis.subgroups.baseline_severity: `bands` must be ascending edges "
            f"and `labels` one per band ({len(bands) - 1} needed, {len(labels)} given)"
        )
    keys = [slug(label) for label in labels]
    if len(set(keys)) != len(keys):
        keys = [f"band_{index}" for index in range(1, len(labels) + 1)]
    banded = pd.cut(start.astype("float64"), bins=bands, right=False, labels=keys)
    return _grouping(banded.astype("object"), keys, labels)


def subgroup_variables(patients: pd.DataFrame, outcomes: pd.DataFrame, settings: Mapping, rules: Mapping) -> list[tuple]:
    """(key, label, groups indexed by patient_id, group labels) for each subgroup variable."""
    index = pd.Index(patients["patient_id"])
    sex, sex_labels = _grouping(patients["sex"].astype("string").map({"F": "female", "M": "male"}).astype("object"),
                                ["female", "male"], ["Women", "Men"])
    ages, age_labels = age_bands(patients["age"], list(settings["age_bands"]))
    distribution, distribution_labels = _grouping(
        patients["pain_distribution"].astype("object"), list(PAIN_DISTRIBUTION), list(PAIN_DISTRIBUTION.values())
    )
    location, location_labels = _grouping(
        patients["main_pain_location"].astype("object"), list(MAIN_PAIN_LOCATION), list(MAIN_PAIN_LOCATION.values())
    )
    severity_settings = settings["baseline_severity"]
    severity_outcome = severity_settings["outcome"]
    start = values_at(outcomes, severity_outcome, "start").reindex(index)
    severity, severity_labels = severity_bands(start, severity_settings)
    return [
        ("sex", "Sex", pd.Series(sex, index=index), sex_labels),
        ("age_band", "Age, years", pd.Series(ages, index=index), age_labels),
        ("pain_distribution", "Pain distribution", pd.Series(distribution, index=index), distribution_labels),
        ("main_pain_location", "Main pain location", pd.Series(location, index=index), location_labels),
        ("baseline_severity", f"Baseline severity, {outcome_label(severity_outcome, rules)} at start",
         pd.Series(severity, index=index), severity_labels),
    ]


def _group_counts(status: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    evaluable = status.loc[status["evaluable"], ["responder"]]
    joined = evaluable.join(groups.rename("group"), how="inner")
    counts = joined.groupby("group", observed=False)["responder"].agg(["size", "sum"])
    counts = counts.reindex(groups.cat.categories, fill_value=0)
    return pd.DataFrame({"group": counts.index.astype(str), "n_evaluable": counts["size"].to_numpy(dtype="int64"),
                         "n_responders": counts["sum"].to_numpy(dtype="int64")})


def subgroup_results(
    patients: pd.DataFrame, outcomes: pd.DataFrame, rules: Mapping, settings: Mapping, confidence_level: float
) -> pd.DataFrame:
    """One row per outcome × time point × subgroup × group (the overall row first): counts,
    responder pct and Wilson CI in percent, `suppressed` when n_evaluable < min_group_size
    (then n_responders, pct and CI are missing)."""
    variables = subgroup_variables(patients, outcomes, settings, rules)
    overall = pd.Series(pd.Categorical(["all"] * len(patients), categories=["all"]), index=pd.Index(patients["patient_id"]))
    variables.insert(0, ("overall", "All patients", overall, {"all": "All patients"}))
    frames = []
    for outcome in OUTCOMES:
        check_rule(outcome, rules[outcome])
        for timepoint in FOLLOWED_TIMEPOINTS:
            status = responder_status(outcomes, outcome, timepoint, rules[outcome])
            for key, label, groups, group_labels in variables:
                counts = _group_counts(status, groups)
                counts.insert(0, "outcome", outcome)
                counts.insert(1, "outcome_label", outcome_label(outcome, rules))
                counts.insert(2, "timepoint", timepoint)
                counts.insert(3, "subgroup", key)
                counts.insert(4, "subgroup_label", label)
                counts["group_label"] = counts["group"].map(group_labels)
                counts["order"] = np.arange(len(counts), dtype="int64")
                frames.append(counts)
    results = pd.concat(frames, ignore_index=True)
    return _with_proportions(results, int(settings["min_group_size"]), confidence_level)


def _with_proportions(results: pd.DataFrame, min_group_size: int, confidence_level: float) -> pd.DataFrame:
    suppressed = results["n_evaluable"].to_numpy() < min_group_size
    n, k = results["n_evaluable"].to_numpy(dtype="float64"), results["n_responders"].to_numpy(dtype="float64")
    low, high = wilson_interval(k, n, confidence_level)
    pct = np.divide(k * 100.0, n, out=np.full_like(n, np.nan), where=n > 0)
    hide = suppressed | (n == 0)
    results["pct"] = np.where(hide, np.nan, pct)
    results["ci_low"] = np.where(hide, np.nan, low)
    results["ci_high"] = np.where(hide, np.nan, high)
    results["n_responders"] = pd.array(np.where(suppressed, np.nan, k), dtype="Float64").astype("Int64")
    results["suppressed"] = suppressed
    return results[RESULT_COLUMNS]


def subgroup_numbers(results: pd.DataFrame) -> dict:
    """`subgroups.<outcome>.<timepoint>.<subgroup>.<group>.n_evaluable|n_responders|pct|
    ci_low|ci_high|suppressed` (suppressed: 1 or 0; hidden values empty)."""
    numbers: dict = {}
    for row in results.itertuples(index=False):  # one per group (a few hundred), not per patient
        prefix = f"subgroups.{row.outcome}.{row.timepoint}.{row.subgroup}.{row.group}"
        numbers[f"{prefix}.n_evaluable"] = int(row.n_evaluable)
        numbers[f"{prefix}.n_responders"] = None if pd.isna(row.n_responders) else int(row.n_responders)
        for stat in ("pct", "ci_low", "ci_high"):
            value = getattr(row, stat)
            numbers[f"{prefix}.{stat}"] = None if pd.isna(value) else float(value)
        numbers[f"{prefix}.suppressed"] = int(bool(row.suppressed))
    return numbers


def subgroups_table(results: pd.DataFrame) -> pd.DataFrame:
    """Display: outcome, timepoint, subgroup, group, n_evaluable, n_responders, pct, ci;
    a suppressed group shows `suppressed` instead of its responders, percentage and CI."""
    table = pd.DataFrame(
        {
            "outcome": results["outcome_label"],
            "timepoint": results["timepoint"].map(TIMEPOINT_NAMES),
            "subgroup": results["subgroup_label"],
            "group": results["group_label"],
            "n_evaluable": results["n_evaluable"].map(fmt_count),
            "n_responders": [fmt_count(None if pd.isna(v) else v) for v in results["n_responders"]],
            "pct": [fmt_number(None if pd.isna(v) else v, 0) for v in results["pct"]],
            "ci": [fmt_interval(None if pd.isna(a) else a, None if pd.isna(b) else b, 0)
                   for a, b in zip(results["ci_low"], results["ci_high"])],
        }
    )
    hidden = results["suppressed"].to_numpy()
    table.loc[hidden, ["n_responders", "pct", "ci"]] = SUPPRESSED
    return table


def write_results(results: pd.DataFrame, path) -> None:
    """The machine-readable results (for the forest plot): full precision, empty when hidden."""
    out = results.copy()
    out["suppressed"] = out["suppressed"].map({True: "true", False: "false"})
    write_csv(out, path)
