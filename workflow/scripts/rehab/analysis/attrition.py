"""Attrition: the baseline characteristics of completers and non-completers at every time
point after the baseline, with standardised mean differences (STROBE 14b).

A completer at a time point has at least one instrument recorded there (as `flow.with_<timepoint>`);
every other kept patient is a non-completer. Characteristics: age, sex (women), each
instrument's baseline value, pain duration and the levels of pain distribution.

Standardised mean difference (completers − non-completers; Austin 2009, Stat Med 28:3083):
continuous (m1 − m2) / √((s1² + s2²) / 2) with sample SDs; a binary variable or one level
(p1 − p2) / √((p1(1 − p1) + p2(1 − p2)) / 2), proportions of the valid answers. Not
computable (None) when a group has no valid value or the denominator is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rehab.analysis.baseline import PAIN_DISTRIBUTION, baseline_values
from rehab.analysis.outcomes import OutcomePanel
from rehab.analysis.stats import as_number
from rehab.core.formatting import DASH, fmt_count, fmt_mean_sd, fmt_n_pct, fmt_number
from rehab.core.study import Study

GROUPS = ("completers", "non_completers")
PATIENT_COLUMNS = ["patient_id", "sex", "age", "pain_duration_days", "pain_distribution"]
SMD_DECIMALS = 2


@dataclass(frozen=True)
class Characteristic:
    key: str  # key part in numbers.csv: the column of the characteristics frame
    label: str
    kind: str  # "continuous" or "binary"
    decimals: int = 1  # display decimals of a continuous mean and SD


def characteristics(study: Study) -> tuple[Characteristic, ...]:
    """The compared characteristics, in table order (the levels of pain distribution as
    binary rows `pain_distribution_<level>`)."""
    return (
        Characteristic("age", "Age, years", "continuous"),
        Characteristic("female", "Women", "binary"),
        *(Characteristic(i.name, f"{i.table_label} {study.baseline.phrase}", "continuous") for i in study.instruments),
        Characteristic("pain_duration_days", "Pain duration, days", "continuous", decimals=0),
        *(
            Characteristic(f"pain_distribution_{level}", f"Pain distribution: {label}", "binary")
            for level, label in PAIN_DISTRIBUTION.items()
        ),
    )


def characteristics_frame(patients: pd.DataFrame, outcomes: pd.DataFrame | OutcomePanel, study: Study) -> pd.DataFrame:
    """One row per kept patient (patients' order), one float column per characteristic
    (binary ones 0/1), NaN when not known."""
    frame = pd.DataFrame(index=pd.Index(patients["patient_id"], name="patient_id"))
    frame["age"] = patients["age"].astype("Float64").to_numpy()
    frame["female"] = patients["sex"].astype("string").eq("F").astype("Float64").to_numpy()
    panel = OutcomePanel.of(outcomes)
    for instrument in study.instrument_names:
        frame[instrument] = baseline_values(patients, panel, instrument, study.baseline.name).to_numpy()
    frame["pain_duration_days"] = patients["pain_duration_days"].astype("Float64").to_numpy()
    distribution = patients["pain_distribution"].astype("string")
    for level in PAIN_DISTRIBUTION:
        frame[f"pain_distribution_{level}"] = distribution.eq(level).astype("Float64").to_numpy()
    return frame.astype("float64")


def completers(
    patients: pd.DataFrame, outcomes: pd.DataFrame | OutcomePanel, study: Study, timepoint: str
) -> pd.Series:
    """True for each kept patient (patients' order) with any instrument recorded at `timepoint`."""
    panel = OutcomePanel.of(outcomes)
    recorded = np.zeros(len(panel.ids) + 1, dtype=bool)  # by patient code; the last: no outcome row
    for instrument in study.instrument_names:
        recorded[panel.values(instrument, timepoint)[0]] = True
    index = pd.Index(patients["patient_id"], name="patient_id")
    return pd.Series(recorded[panel.positions(patients["patient_id"])], index=index, name="patient_id")


def group_summaries(frame: pd.DataFrame, completed: pd.Series) -> pd.DataFrame:
    """Per characteristic (rows) and group (column level 0): mean, sample sd, valid n, sum."""
    group = completed.map({True: GROUPS[0], False: GROUPS[1]}).rename("group")
    stats = frame.groupby(group).agg(["mean", "std", "count", "sum"])
    stats = stats.reindex(list(GROUPS))  # a group nobody is in: all NaN
    return stats.stack(level=0, future_stack=True).unstack(level=0)


def standardised_differences(summary: pd.DataFrame, binary: list[str]) -> pd.Series:
    """SMD per characteristic of `group_summaries` (binary ones by the proportion formula)."""
    mean_1, mean_2 = summary[("mean", GROUPS[0])], summary[("mean", GROUPS[1])]
    variance_1, variance_2 = summary[("std", GROUPS[0])] ** 2, summary[("std", GROUPS[1])] ** 2
    is_binary = summary.index.isin(binary)
    variance_1 = variance_1.where(~is_binary, mean_1 * (1 - mean_1))
    variance_2 = variance_2.where(~is_binary, mean_2 * (1 - mean_2))
    denominator = np.sqrt((variance_1 + variance_2) / 2)
    return (mean_1 - mean_2) / denominator.where(denominator > 0)


def attrition_numbers(patients: pd.DataFrame, outcomes: pd.DataFrame, study: Study) -> dict:
    """`attrition.<later>.completers|non_completers.n` and per characteristic
    `attrition.<later>.<characteristic>.<group>.mean|sd|valid_n` (continuous) or
    `….<group>.n|pct|valid_n` (binary), and `attrition.<later>.<characteristic>.smd`."""
    panel = OutcomePanel.of(outcomes)
    frame = characteristics_frame(patients, panel, study)
    listed = characteristics(study)
    binary = [item.key for item in listed if item.kind == "binary"]
    numbers: dict = {}
    for timepoint in study.followed:
        completed = completers(patients, panel, study, timepoint.name)
        prefix = f"attrition.{timepoint.name}"
        numbers[f"{prefix}.completers.n"] = int(completed.sum())
        numbers[f"{prefix}.non_completers.n"] = int((~completed).sum())
        summary = group_summaries(frame, completed)
        smd = standardised_differences(summary, binary)
        for item in listed:
            row = summary.loc[item.key]
            for group in GROUPS:
                valid_n = int(np.nan_to_num(row[("count", group)]))
                mean = as_number(row[("mean", group)]) if valid_n else None
                key = f"{prefix}.{item.key}.{group}"
                if item.kind == "binary":
                    numbers[f"{key}.n"] = int(np.nan_to_num(row[("sum", group)]))
                    numbers[f"{key}.pct"] = None if mean is None else 100.0 * mean
                else:
                    numbers[f"{key}.mean"] = mean
                    numbers[f"{key}.sd"] = as_number(row[("std", group)]) if valid_n > 1 else None
                numbers[f"{key}.valid_n"] = valid_n
            numbers[f"{prefix}.{item.key}.smd"] = as_number(smd.loc[item.key])
    return numbers


def _cell(numbers: dict, key: str, item: Characteristic, group_n: int) -> str:
    """`42.1 ± 13.2` or `120 (64)`, with `(valid n = …)` when fewer than the group answered."""
    if item.kind == "binary":
        text = fmt_n_pct(numbers[f"{key}.n"], numbers[f"{key}.pct"])
    else:
        text = fmt_mean_sd(numbers[f"{key}.mean"], numbers[f"{key}.sd"], item.decimals, item.decimals)
    valid_n = numbers[f"{key}.valid_n"]
    return f"{text} (valid n = {valid_n})" if valid_n < group_n and text != DASH else text


def attrition_table(numbers: dict, study: Study) -> pd.DataFrame:
    """timepoint, characteristic, statistic, completers, non_completers, smd: the patients
    row, then each characteristic, per time point after the baseline."""
    rows = []
    for timepoint in study.followed:
        prefix = f"attrition.{timepoint.name}"
        sizes = {group: numbers[f"{prefix}.{group}.n"] for group in GROUPS}
        rows.append(
            {
                "timepoint": timepoint.label,
                "characteristic": "Patients",
                "statistic": "n",
                **{group: fmt_count(sizes[group]) for group in GROUPS},
                "smd": DASH,
            }
        )
        for item in characteristics(study):
            key = f"{prefix}.{item.key}"
            rows.append(
                {
                    "timepoint": timepoint.label,
                    "characteristic": item.label,
                    "statistic": "n (%)" if item.kind == "binary" else "mean ± SD",
                    **{group: _cell(numbers, f"{key}.{group}", item, sizes[group]) for group in GROUPS},
                    "smd": fmt_number(numbers[f"{key}.smd"], SMD_DECIMALS),
                }
            )
    return pd.DataFrame(rows, columns=["timepoint", "characteristic", "statistic", *GROUPS, "smd"])
