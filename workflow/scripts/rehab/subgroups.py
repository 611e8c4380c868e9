"""Responder proportions by subgroup (the study's subgroup variables: the levels of a patients
column, bands of a patients column, or bands of an instrument's baseline value), with Wilson
intervals; small groups are suppressed. The responders are those of each instrument's
primary definition.

Patients with a missing subgroup variable (or a value outside the declared levels or bands)
take no part in that variable's groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rehab.errors import PipelineError
from rehab.formatting import fmt_count, fmt_interval, fmt_number
from rehab.outcomes import values_at
from rehab.responders import responder_status
from rehab.safe_io import write_csv
from rehab.stats import wilson_interval
from rehab.study import Study, Subgroup

SUPPRESSED = "suppressed"
RESULT_COLUMNS = [
    "outcome",
    "outcome_label",
    "timepoint",
    "subgroup",
    "subgroup_label",
    "group",
    "group_label",
    "order",
    "n_evaluable",
    "n_responders",
    "pct",
    "ci_low",
    "ci_high",
    "suppressed",
]


class SubgroupConfigError(PipelineError):
    """A subgroup variable of the study declaration does not fit the clean tables."""


def group_keys(subgroup: Subgroup, values: pd.Series) -> pd.Categorical:
    """Each patient's group key of `subgroup` (missing outside the declared levels or bands)."""
    keys = [group.key for group in subgroup.groups]
    if subgroup.banded:
        edges = [subgroup.groups[0].low, *(group.high for group in subgroup.groups)]
        if not pd.api.types.is_numeric_dtype(values.dtype):
            raise SubgroupConfigError(
                f"config key study.subgroups, subgroup {subgroup.name}: bands need a numeric column, "
                f"{subgroup.column!r} is not one; declare `levels` instead"
            )
        banded = pd.cut(values.astype("float64"), bins=edges, right=False, labels=keys)
        return pd.Categorical(banded.astype("object"), categories=keys)
    by_value = {group.value: group.key for group in subgroup.groups}
    return pd.Categorical(values.astype("string").map(by_value).astype("object"), categories=keys)


def subgroup_variables(patients: pd.DataFrame, outcomes: pd.DataFrame, study: Study) -> list[tuple]:
    """(key, label, groups indexed by patient_id, group labels) for each subgroup variable."""
    index = pd.Index(patients["patient_id"])
    variables = []
    for subgroup in study.subgroups:
        if subgroup.instrument:
            values = values_at(outcomes, subgroup.instrument, study.baseline.name).reindex(index)
        elif subgroup.column in patients.columns:
            values = patients[subgroup.column].set_axis(index)
        else:
            raise SubgroupConfigError(
                f"config key study.subgroups, subgroup {subgroup.name}: column {subgroup.column!r} is not a column "
                'of the clean patients table (docs/architecture.md, "The clean tables")'
            )
        groups = pd.Series(group_keys(subgroup, values), index=index)
        variables.append((subgroup.name, subgroup.label, groups, {group.key: group.label for group in subgroup.groups}))
    return variables


def _group_counts(status: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    evaluable = status.loc[status["evaluable"], ["responder"]]
    joined = evaluable.join(groups.rename("group"), how="inner")
    counts = joined.groupby("group", observed=False)["responder"].agg(["size", "sum"])
    counts = counts.reindex(groups.cat.categories, fill_value=0)
    return pd.DataFrame(
        {
            "group": counts.index.astype(str),
            "n_evaluable": counts["size"].to_numpy(dtype="int64"),
            "n_responders": counts["sum"].to_numpy(dtype="int64"),
        }
    )


def subgroup_results(
    patients: pd.DataFrame, outcomes: pd.DataFrame, study: Study, min_group_size: int, confidence_level: float
) -> pd.DataFrame:
    """One row per instrument × later time point × subgroup × group (the overall row first):
    counts, responder pct and Wilson CI in percent, `suppressed` when n_evaluable <
    min_group_size (then n_responders, pct and CI are missing)."""
    variables = subgroup_variables(patients, outcomes, study)
    overall = pd.Series(
        pd.Categorical(["all"] * len(patients), categories=["all"]), index=pd.Index(patients["patient_id"])
    )
    variables.insert(0, ("overall", "All patients", overall, {"all": "All patients"}))
    frames = []
    for instrument in study.instruments:
        for timepoint in study.followed:
            status = responder_status(outcomes, instrument, timepoint.name, study.baseline.name)
            for key, label, groups, group_labels in variables:
                counts = _group_counts(status, groups)
                counts.insert(0, "outcome", instrument.name)
                counts.insert(1, "outcome_label", instrument.label)
                counts.insert(2, "timepoint", timepoint.name)
                counts.insert(3, "subgroup", key)
                counts.insert(4, "subgroup_label", label)
                counts["group_label"] = counts["group"].map(group_labels)
                counts["order"] = np.arange(len(counts), dtype="int64")
                frames.append(counts)
    results = pd.concat(frames, ignore_index=True)
    return _with_proportions(results, int(min_group_size), confidence_level)


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


def subgroups_table(results: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Display: outcome, timepoint, subgroup, group, n_evaluable, n_responders, pct, ci;
    a suppressed group shows `suppressed` instead of its responders, percentage and CI."""
    table = pd.DataFrame(
        {
            "outcome": results["outcome_label"],
            "timepoint": results["timepoint"].map({timepoint.name: timepoint.label for timepoint in study.timepoints}),
            "subgroup": results["subgroup_label"],
            "group": results["group_label"],
            "n_evaluable": results["n_evaluable"].map(fmt_count),
            "n_responders": [fmt_count(None if pd.isna(v) else v) for v in results["n_responders"]],
            "pct": [fmt_number(None if pd.isna(v) else v, 0) for v in results["pct"]],
            "ci": [
                fmt_interval(None if pd.isna(a) else a, None if pd.isna(b) else b, 0)
                for a, b in zip(results["ci_low"], results["ci_high"], strict=False)
            ],
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
