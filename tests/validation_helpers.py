"""Tiny raw exports for the validation and cleaning tests.

A fixture is a valid baseline export (3 patients, a few visits and outcomes) to which a test
adds or replaces one defective line; the helpers write it to a folder, run the validation
and read the outputs back as text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from analysis_helpers import PAPER_CODES, PAPER_STUDY

from rehab.core.study import Study
from rehab.ingest.validation import validate_export
from rehab.ingest.validation_outputs import write_validation_outputs
from rehab.workflow.config_check import schema_default, with_schema_defaults

PATIENT_HEADER = (
    "patient_id,sex,age,height_cm,weight_kg,smoker,pain_onset_date,program_start_date,discharge_date,"
    "pain_distribution,main_pain_location,ability_to_reduce_pain,activity_minutes_week,eq5d_version,"
    "eq5d_anxiety_depression,rehab_goals"
)
# line 2, 3, 4
PATIENTS = [
    "P1,F,40,165,60,no,2019-01-01,2020-01-10,2020-06-10,localized,neck,2,120,5L,2,3",
    "P2,M,55,180,90,yes,2018-05-05,2020-02-01,,generalized,multiple,4,200,3L,1,5",
    "P3,F,30,170,65,no,,2020-03-01,2020-09-01,regional,hip_knee_ankle_foot,,,,,",
]
SESSION_HEADER = "patient_id,session_date,interventions"
SESSIONS = [
    'P1,2020-01-10,"1;2"',
    "P1,2020-01-10,3",
    'P1,2020-02-01,"10;4"',
    "P2,2020-02-01,",
    "P3,2020-03-05,5",
]
OUTCOME_HEADER = "patient_id,timepoint,assessment_date,nprs,dri,eq_vas"
OUTCOMES = [
    "P1,start,2020-01-10,7,40.5,50",
    "P1,discharge,2020-06-10,4,30,70",
    "P2,start,2020-02-01,6,35.3,40",
    "P2,followup,2021-02-01,5,25.3,55",
    "P3,start,2020-03-01,8,50,30",
]
CONFIG_SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml"
# The dialect an export has when its config sets none: the schema's defaults (stated there only).
DEFAULT_DIALECT = schema_default(CONFIG_SCHEMA, "dialect")


def filled_export(export: dict | None = None) -> dict:
    """A cohort's `export` config as the config check gives it: `export` (the contract's own
    three CSV files when None) with every default of the schema filled in."""
    return with_schema_defaults({"path": ".", **(export or {})}, CONFIG_SCHEMA, "export")


DEFAULT_EXPORT = filled_export()


def write_export(
    folder: Path,
    patients: list[str] | None = None,
    sessions: list[str] | None = None,
    outcomes: list[str] | None = None,
    headers: dict[str, str] | None = None,
    separator: str = ",",
    encoding: str = "utf-8",
) -> Path:
    """Write the three CSV files (the baseline where a list is None)."""
    headers = {"patients": PATIENT_HEADER, "sessions": SESSION_HEADER, "outcomes": OUTCOME_HEADER, **(headers or {})}
    rows = {
        "patients": PATIENTS if patients is None else patients,
        "sessions": SESSIONS if sessions is None else sessions,
        "outcomes": OUTCOMES if outcomes is None else outcomes,
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in rows.items():
        header = headers[name].replace(",", separator) if separator != "," else headers[name]
        text = "\n".join([header, *lines]) + "\n"
        (folder / f"{name}.csv").write_bytes(text.encode(encoding))
    return folder


def output_paths(root: Path) -> dict:
    return {
        "failures": root / "failures.csv",
        "accounting_path": root / "accounting.csv",
        "columns": root / "columns.csv",
        "quarantine": {n: root / "quarantine" / f"{n}.csv" for n in ("patients", "sessions", "outcomes")},
        "kept": {n: root / "kept" / f"{n}.parquet" for n in ("patients", "sessions", "outcomes")},
    }


class Run:
    """Validation outputs of one tiny export, read back as text tables."""

    def __init__(self, root: Path, results):
        self.root, self.results = root, results

    def csv(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.root / name, dtype=str, keep_default_na=False)

    @property
    def failures(self) -> pd.DataFrame:
        return self.csv("failures.csv")

    @property
    def accounting(self) -> pd.DataFrame:
        return pd.read_csv(self.root / "accounting.csv").set_index("file")

    def quarantine(self, name: str) -> pd.DataFrame:
        return self.csv(f"quarantine/{name}.csv")

    def kept(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.root / "kept" / f"{name}.parquet")

    def failure(self, file: str, line: int) -> pd.DataFrame:
        f = self.failures
        return f[(f["file"] == file) & (f["line"] == str(line))]


def run_validation(tmp_path: Path, dialect: dict | None = None, study: Study = PAPER_STUDY, **export) -> Run:
    """Validate a tiny export against `study`'s contract (the paper's by default)."""
    folder = write_export(tmp_path / "export", **export)
    results = validate_export(folder, dialect or DEFAULT_DIALECT, study, PAPER_CODES, DEFAULT_EXPORT, cohort="test")
    root = tmp_path / "validation"
    write_validation_outputs(results, **output_paths(root))
    return Run(root, results)


PATIENT_COLUMNS = PATIENT_HEADER.split(",")
NEW_PATIENT = dict(
    zip(
        PATIENT_COLUMNS,
        "P4,F,45,170,70,no,2019-01-01,2020-01-01,2020-06-01,regional,neck,3,100,5L,2,4".split(","),
        strict=False,
    )
)


def patient_row(separator: str = ",", **values: str) -> str:
    """A patients.csv line for a new valid patient P4 with some values replaced."""
    row = {**NEW_PATIENT, **values}
    return separator.join(row[c] for c in PATIENT_COLUMNS)


def outcome_row(**values: str) -> str:
    """An outcomes.csv line for P3's discharge with some values replaced."""
    row = {"patient_id": "P3", "timepoint": "discharge", "assessment_date": "2020-09-01",
           "nprs": "5", "dri": "30", "eq_vas": "60", **values}  # fmt: skip
    return ",".join(row[c] for c in OUTCOME_HEADER.split(","))


# An outcomes file with a fourth instrument and a six-month visit (a study declared in config).
EXTENDED_HEADER = "patient_id,timepoint,assessment_date,nprs,dri,eq_vas,hads_anxiety"
EXTENDED_OUTCOMES = [  # lines 2-6; P1 is assessed at six months, between discharge and followup
    "P1,start,2020-01-10,7,40.5,50,12",
    "P1,six_months,2020-12-10,5,35,60,9",
    "P2,start,2020-02-01,6,35.3,40,",
    "P2,followup,2021-02-01,5,25.3,55,7",
    "P3,start,2020-03-01,8,50,30,21",
]
