"""Patient flow and validation accounting, as numbers for the flow diagram and the report."""

from __future__ import annotations

import pandas as pd

from rehab.outcomes import patients_with_any_outcome
from rehab.study import Study

ACCOUNTING_COLUMNS = ("rows_read", "rows_kept", "rows_quarantined", "values_set_missing")


def flow_numbers(patients: pd.DataFrame, sessions: pd.DataFrame, outcomes: pd.DataFrame, study: Study) -> dict:
    """Kept patients, and those with outcome data at each time point of the study (any of its
    instruments present: `flow.with_<timepoint>`), a kept visit, and a discharge_date."""
    numbers: dict = {"flow.patients": len(patients)}
    for timepoint in study.timepoint_names:  # clean outcome rows belong to kept patients only
        numbers[f"flow.with_{timepoint}"] = patients_with_any_outcome(outcomes, timepoint, study.instrument_names)
    numbers["flow.with_sessions"] = int((patients["n_sessions"].fillna(0) > 0).sum())
    numbers["flow.visits"] = len(sessions)
    numbers["flow.with_discharge_date"] = int(patients["discharge_date"].notna().sum())
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
