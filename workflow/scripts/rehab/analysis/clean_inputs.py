"""Reading the analysis inputs: the clean Parquet tables and the validation accounting.

The outcomes columns and the patients columns of the subgroups are the study's
(`Study.outcome_columns`, `Study.subgroup_columns`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

PATIENT_COLUMNS_BASELINE = [
    "patient_id",
    "sex",
    "age",
    "bmi",
    "smoker",
    "pain_duration_days",
    "pain_distribution",
    "main_pain_location",
    "low_ability_to_reduce_pain",
    "physically_active",
    "anxious_depressed",
    "rehab_goals",
]
PATIENT_COLUMNS_PROGRAM = ["patient_id", "n_sessions", "program_duration_days", "program_duration_months"]
PATIENT_COLUMNS_FLOW = ["patient_id", "n_sessions", "discharge_date"]


def read_clean(path: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A clean table (pandas dtypes restored from the Parquet metadata), only `columns`."""
    return pd.read_parquet(path, columns=list(columns) if columns is not None else None, engine="pyarrow")


def clean_columns(path: str | Path) -> list[str]:
    """The columns of a clean table, from its Parquet schema (no data read)."""
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


def read_accounting(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"file": "string"})
