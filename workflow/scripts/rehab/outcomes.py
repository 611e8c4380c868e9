"""The study's outcomes at every time point, and their paired change from the baseline (Table 4)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rehab.formatting import DASH, fmt_count, fmt_median_iqr, fmt_p
from rehab.stats import median_iqr, wilcoxon_p
from rehab.study import Study

CHANGE_DECIMALS = 6  # a change is compared and summarised at this precision (35.3 → 25.3 is 10)
TABLE_DECIMALS = 1


def values_at(outcomes: pd.DataFrame, instrument: str, timepoint: str) -> pd.Series:
    """One instrument at one time point, float, indexed by patient_id; only present values."""
    rows = outcomes.loc[outcomes["timepoint"] == timepoint, ["patient_id", instrument]]
    values = rows.set_index("patient_id")[instrument].astype("float64")
    return values.dropna()


def paired_values(outcomes: pd.DataFrame, instrument: str, timepoint: str, baseline: str) -> pd.DataFrame:
    """Patients with a value at the `baseline` time point and at `timepoint`: columns
    baseline, value, change (value − baseline)."""
    pairs = pd.concat(
        {"baseline": values_at(outcomes, instrument, baseline), "value": values_at(outcomes, instrument, timepoint)},
        axis=1,
        join="inner",
    )
    pairs["change"] = (pairs["value"] - pairs["baseline"]).round(CHANGE_DECIMALS)
    return pairs


def patients_with_any_outcome(outcomes: pd.DataFrame, timepoint: str, instruments: Sequence[str]) -> int:
    """Patients with at least one of the `instruments` present at `timepoint`."""
    rows = outcomes.loc[outcomes["timepoint"] == timepoint]
    present = rows[list(instruments)].notna().any(axis=1)
    return int(present.sum())  # (patient_id, timepoint) is unique in the clean table


def outcome_numbers(outcomes: pd.DataFrame, study: Study, quantile_method: str) -> dict:
    """`outcomes.<instrument>.<timepoint>.median|q1|q3|n` and, after the baseline,
    `...change.n|median|q1|q3|wilcoxon_p` (change = value − baseline, paired patients)."""
    numbers: dict = {}
    baseline = study.baseline.name
    for instrument in study.instrument_names:
        for timepoint in study.timepoints:
            prefix = f"outcomes.{instrument}.{timepoint.name}"
            summary = median_iqr(values_at(outcomes, instrument, timepoint.name), quantile_method)
            numbers.update({f"{prefix}.{stat}": summary[stat] for stat in ("median", "q1", "q3")})
            numbers[f"{prefix}.n"] = summary["valid_n"]
            if timepoint.baseline:
                continue
            change = paired_values(outcomes, instrument, timepoint.name, baseline)["change"]
            change_summary = median_iqr(change, quantile_method)
            numbers[f"{prefix}.change.n"] = change_summary["valid_n"]
            numbers.update({f"{prefix}.change.{stat}": change_summary[stat] for stat in ("median", "q1", "q3")})
            numbers[f"{prefix}.change.wilcoxon_p"] = wilcoxon_p(change)
    return numbers


def outcomes_table(numbers: dict, study: Study) -> pd.DataFrame:
    """Table 4: per instrument and time point n, median [q1, q3], paired change and Wilcoxon p."""
    rows = []
    for instrument in study.instruments:
        for timepoint in study.timepoints:
            prefix = f"outcomes.{instrument.name}.{timepoint.name}"
            value = [numbers[f"{prefix}.{stat}"] for stat in ("median", "q1", "q3")]
            row = {
                "outcome": instrument.table_label,
                "timepoint": timepoint.label,
                "n": fmt_count(numbers[f"{prefix}.n"]),
                "median_iqr": fmt_median_iqr(*value, decimals=TABLE_DECIMALS),
                "n_pairs": DASH,
                "change_median_iqr": DASH,
                "wilcoxon_p": DASH,
            }
            if not timepoint.baseline:
                change = [numbers[f"{prefix}.change.{stat}"] for stat in ("median", "q1", "q3")]
                row["n_pairs"] = fmt_count(numbers[f"{prefix}.change.n"])
                row["change_median_iqr"] = fmt_median_iqr(*change, decimals=TABLE_DECIMALS)
                row["wilcoxon_p"] = fmt_p(numbers[f"{prefix}.change.wilcoxon_p"])
            rows.append(row)
    return pd.DataFrame(rows)
