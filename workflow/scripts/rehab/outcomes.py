"""Outcomes at start, discharge and 1-year follow-up, and their paired change (Table 4)."""

from __future__ import annotations

import pandas as pd

from rehab.formatting import DASH, fmt_count, fmt_median_iqr, fmt_p
from rehab.stats import median_iqr, wilcoxon_p

OUTCOMES = ("nprs", "dri", "eq_vas")
TIMEPOINTS = ("start", "discharge", "followup")
FOLLOWED_TIMEPOINTS = ("discharge", "followup")
OUTCOME_NAMES = {"nprs": "NPRS (0–10)", "dri": "DRI, mm (0–100)", "eq_vas": "EQ-VAS, mm (0–100)"}
TIMEPOINT_NAMES = {"start": "Start", "discharge": "Discharge", "followup": "1-year follow-up"}
SCALE_MAX = {"nprs": 10.0, "dri": 100.0, "eq_vas": 100.0}
CHANGE_DECIMALS = 6  # a change is compared and summarised at this precision (35.3 → 25.3 is 10)
TABLE_DECIMALS = 1


def values_at(outcomes: pd.DataFrame, outcome: str, timepoint: str) -> pd.Series:
    """One outcome at one time point, float, indexed by patient_id; only present values."""
    rows = outcomes.loc[outcomes["timepoint"] == timepoint, ["patient_id", outcome]]
    values = rows.set_index("patient_id")[outcome].astype("float64")
    return values.dropna()


def paired_values(outcomes: pd.DataFrame, outcome: str, timepoint: str) -> pd.DataFrame:
    """Patients with a value at start and at `timepoint`: columns start, value, change."""
    pairs = pd.concat(
        {"start": values_at(outcomes, outcome, "start"), "value": values_at(outcomes, outcome, timepoint)},
        axis=1,
        join="inner",
    )
    pairs["change"] = (pairs["value"] - pairs["start"]).round(CHANGE_DECIMALS)
    return pairs


def patients_with_any_outcome(outcomes: pd.DataFrame, timepoint: str) -> int:
    """Patients with at least one of the outcomes present at `timepoint`."""
    rows = outcomes.loc[outcomes["timepoint"] == timepoint]
    present = rows[list(OUTCOMES)].notna().any(axis=1)
    return int(present.sum())  # (patient_id, timepoint) is unique in the clean table


def outcome_numbers(outcomes: pd.DataFrame, quantile_method: str) -> dict:
    """`outcomes.<outcome>.<timepoint>.median|q1|q3|n` and, after start,
    `...change.n|median|q1|q3|wilcoxon_p` (change = value − start, paired patients)."""
    numbers: dict = {}
    for outcome in OUTCOMES:
        for timepoint in TIMEPOINTS:
            prefix = f"outcomes.{outcome}.{timepoint}"
            summary = median_iqr(values_at(outcomes, outcome, timepoint), quantile_method)
            numbers.update({f"{prefix}.{stat}": summary[stat] for stat in ("median", "q1", "q3")})
            numbers[f"{prefix}.n"] = summary["valid_n"]
            if timepoint == "start":
                continue
            change = paired_values(outcomes, outcome, timepoint)["change"]
            change_summary = median_iqr(change, quantile_method)
            numbers[f"{prefix}.change.n"] = change_summary["valid_n"]
            numbers.update({f"{prefix}.change.{stat}": change_summary[stat] for stat in ("median", "q1", "q3")})
            numbers[f"{prefix}.change.wilcoxon_p"] = wilcoxon_p(change)
    return numbers


def outcomes_table(numbers: dict) -> pd.DataFrame:
    """Table 4: per outcome and time point n, median [q1, q3], paired change and Wilcoxon p."""
    rows = []
    for outcome in OUTCOMES:
        for timepoint in TIMEPOINTS:
            prefix = f"outcomes.{outcome}.{timepoint}"
            value = [numbers[f"{prefix}.{stat}"] for stat in ("median", "q1", "q3")]
            row = {
                "outcome": OUTCOME_NAMES[outcome],
                "timepoint": TIMEPOINT_NAMES[timepoint],
                "n": fmt_count(numbers[f"{prefix}.n"]),
                "median_iqr": fmt_median_iqr(*value, decimals=TABLE_DECIMALS),
                "n_pairs": DASH,
                "change_median_iqr": DASH,
                "wilcoxon_p": DASH,
            }
            if timepoint != "start":
                change = [numbers[f"{prefix}.change.{stat}"] for stat in ("median", "q1", "q3")]
                row["n_pairs"] = fmt_count(numbers[f"{prefix}.change.n"])
                row["change_median_iqr"] = fmt_median_iqr(*change, decimals=TABLE_DECIMALS)
                row["wilcoxon_p"] = fmt_p(numbers[f"{prefix}.change.wilcoxon_p"])
            rows.append(row)
    return pd.DataFrame(rows)
