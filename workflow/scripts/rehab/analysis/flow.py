"""Patient flow and validation accounting, as numbers for the flow diagram and the report."""

from __future__ import annotations

import pandas as pd

from rehab.analysis.outcomes import patients_with_any_outcome
from rehab.analysis.stats import DEFAULT_QUANTILE_METHOD, as_number, median_iqr
from rehab.core.study import Study

ACCOUNTING_COLUMNS = ("rows_read", "rows_kept", "rows_quarantined", "values_set_missing")


def flow_numbers(
    patients: pd.DataFrame,
    sessions: pd.DataFrame,
    outcomes: pd.DataFrame,
    study: Study,
    quantile_method: str = DEFAULT_QUANTILE_METHOD,
) -> dict:
    """Kept patients, and those with outcome data at each time point of the study (any of its
    instruments present: `flow.with_<timepoint>`), a kept visit, and a discharge_date; then
    the follow-up timing of every time point after the baseline (`assessment_timing`)."""
    numbers: dict = {"flow.patients": len(patients)}
    for timepoint in study.timepoint_names:  # clean outcome rows belong to kept patients only
        numbers[f"flow.with_{timepoint}"] = patients_with_any_outcome(outcomes, timepoint, study.instrument_names)
    numbers["flow.with_sessions"] = int((patients["n_sessions"].fillna(0) > 0).sum())
    numbers["flow.visits"] = len(sessions)
    numbers["flow.with_discharge_date"] = int(patients["discharge_date"].notna().sum())
    numbers.update(assessment_timing(patients, outcomes, study, quantile_method))
    return numbers


def days_after_discharge(patients: pd.DataFrame, outcomes: pd.DataFrame, study: Study, timepoint: str) -> pd.Series:
    """Days from each patient's discharge_date to the assessment_date at `timepoint`, for the
    patients with outcome data there (any instrument present) and both dates."""
    rows = outcomes.loc[
        (outcomes["timepoint"] == timepoint) & outcomes[list(study.instrument_names)].notna().any(axis=1),
        ["patient_id", "assessment_date"],
    ]
    program_end = rows["patient_id"].map(patients.set_index("patient_id")["discharge_date"])
    return (rows["assessment_date"] - program_end).dt.days.dropna().astype("float64")


def assessment_timing(
    patients: pd.DataFrame, outcomes: pd.DataFrame, study: Study, quantile_method: str = DEFAULT_QUANTILE_METHOD
) -> dict:
    """`flow.<later>.days_after_discharge.median|q1|q3|min|max|n` for every time point after
    the baseline (STROBE 14c: how long after the program each assessment was made)."""
    numbers: dict = {}
    for timepoint in study.followed:
        days = days_after_discharge(patients, outcomes, study, timepoint.name)
        summary = median_iqr(days, quantile_method)
        prefix = f"flow.{timepoint.name}.days_after_discharge"
        numbers.update({f"{prefix}.{stat}": summary[stat] for stat in ("median", "q1", "q3")})
        numbers[f"{prefix}.min"] = as_number(days.min()) if len(days) else None
        numbers[f"{prefix}.max"] = as_number(days.max()) if len(days) else None
        numbers[f"{prefix}.n"] = summary["valid_n"]
    return numbers


def validation_numbers(accounting: pd.DataFrame) -> dict:
    """`validation.<file>.rows_read|rows_kept|rows_quarantined|values_set_missing`, per raw
    file in the accounting's order (`file` is the name without `.csv`)."""
    numbers: dict = {}
    for record in accounting.to_dict("records"):  # one row per raw file: three rows
        name = str(record["file"]).removesuffix(".csv")
        for column in ACCOUNTING_COLUMNS:
            value = record[column]
            numbers[f"validation.{name}.{column}"] = None if pd.isna(value) else int(value)
    return numbers
