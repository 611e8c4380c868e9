"""The raw export's columns, declared once: file, name, type, required, levels or range, rule.

The reader (`rehab.ingest.reader.CONTRACT_COLUMNS`), the Pandera models of the raw files
(`schemas.raw_export`: levels, ranges, types, required columns) and the contract tables of
docs/raw-export.md derive from this declaration or are tested against it
(tests/unit/test_export_contract.py parses the doc's tables and compares them row by row).

The outcomes file declares only its key columns here: its instrument columns and its
`timepoint` levels are the study's (`rehab.core.study`). The intervention codes of the
sessions file are the configured codebook's (config `codebook`), not a fixed range.

Standard library only: the Snakefile reads the file names to build the DAG.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawColumn:
    """One column of a raw export file."""

    file: str  # patients, sessions or outcomes
    name: str
    type: str  # text, integer, number, date or codes (a visit's intervention codes)
    required: bool
    rule: str  # the rule as docs/raw-export.md states it (Markdown)
    levels: tuple[str, ...] = ()  # the valid values of a text column with fixed levels
    range: tuple[float, float] | None = None  # inclusive, of an integer or number column


RAW_COLUMNS: tuple[RawColumn, ...] = (
    RawColumn(
        "patients",
        "patient_id",
        "text",
        True,
        "1–32 of `A–Z a–z 0–9 _ -`; unique in the file; a pseudonym — a value holding a Swedish personal "
        "identity number anywhere (10 or 12 digits, with or without `-` or `+` before the last four; see "
        "Privacy below) is refused",
    ),
    RawColumn("patients", "sex", "text", True, "`F` or `M`", levels=("F", "M")),
    RawColumn("patients", "age", "integer", True, "years at program start, 18–100", range=(18, 100)),
    RawColumn("patients", "height_cm", "number", False, "120–220", range=(120, 220)),
    RawColumn("patients", "weight_kg", "number", False, "30–250", range=(30, 250)),
    RawColumn("patients", "smoker", "text", False, "`yes` or `no`", levels=("yes", "no")),
    RawColumn("patients", "pain_onset_date", "date", False, "not after program_start_date"),
    RawColumn("patients", "program_start_date", "date", True, "2000-01-01 or later"),
    RawColumn("patients", "discharge_date", "date", False, "not before program_start_date"),
    RawColumn(
        "patients",
        "pain_distribution",
        "text",
        False,
        "`localized`, `regional` or `generalized`",
        levels=("localized", "regional", "generalized"),
    ),
    RawColumn(
        "patients",
        "main_pain_location",
        "text",
        False,
        "`neck`, `multiple` (cannot decide on one region), `lumbar_thoracic_pelvis`, `hip_knee_ankle_foot` "
        "or `shoulder_elbow_hand`",
        levels=("neck", "multiple", "lumbar_thoracic_pelvis", "hip_knee_ankle_foot", "shoulder_elbow_hand"),
    ),
    RawColumn("patients", "ability_to_reduce_pain", "integer", False, "0–6", range=(0, 6)),
    RawColumn("patients", "activity_minutes_week", "integer", False, "0–10080", range=(0, 10080)),
    RawColumn("patients", "eq5d_version", "text", False, "`3L` or `5L`", levels=("3L", "5L")),
    RawColumn(
        "patients",
        "eq5d_anxiety_depression",
        "integer",
        False,
        "1–3 for `3L`, 1–5 for `5L`; invalid without a valid eq5d_version",
        range=(1, 5),
    ),
    RawColumn(
        "patients",
        "rehab_goals",
        "integer",
        False,
        "0–20, individual rehabilitation goals set at start",
        range=(0, 20),
    ),
    RawColumn("sessions", "patient_id", "text", True, "must name a patient in patients.csv"),
    RawColumn(
        "sessions",
        "session_date",
        "date",
        True,
        "within the patient's program: not before start, and not after discharge where a valid discharge date is kept",
    ),
    RawColumn(
        "sessions",
        "interventions",
        "codes",
        False,
        "the intervention codes of this visit (the codes of the configured codebook, config `codebook`), "
        "separated by `;`, e.g. `1;2;4` (quoted where `;` is also the field separator); empty when nothing "
        "was coded; a code may not repeat within a visit; the order of codes carries no meaning",
    ),
    RawColumn("outcomes", "patient_id", "text", True, "must name a patient in patients.csv"),
    RawColumn("outcomes", "timepoint", "text", True, "a time point of the study declaration (config `study`)"),
    RawColumn(
        "outcomes",
        "assessment_date",
        "date",
        False,
        "for every time point after the baseline: not before program start",
    ),
)

RAW_FILES: tuple[str, ...] = ("patients", "sessions", "outcomes")
# Files that may hold a header and no data rows.
MAY_BE_EMPTY = frozenset({"sessions", "outcomes"})
# The file a cohort may lack (config `cohorts.<name>.export.visits: false`).
VISIT_FILE = "sessions"


def source_name(files, name: str) -> str:
    """The source of contract file `name` under a cohort's `export.files`: its `source`, or
    the contract's own `<file>.csv` when the config names none."""
    return (files.get(name) or {}).get("source") or f"{name}.csv"


def columns_of(file: str) -> tuple[RawColumn, ...]:
    """The declared columns of `file`, in the contract's order."""
    return tuple(column for column in RAW_COLUMNS if column.file == file)


def column_names(file: str) -> list[str]:
    return [column.name for column in columns_of(file)]


def required_names(file: str) -> set[str]:
    return {column.name for column in columns_of(file) if column.required}


def contract_columns(file: str) -> dict[str, bool]:
    """{column: required} of `file`, in order: the reader's form."""
    return {column.name: column.required for column in columns_of(file)}


def column_types() -> dict[str, str]:
    """The parsed type of every declared column (a name has one type in every file)."""
    return {column.name: column.type for column in RAW_COLUMNS}


def levels() -> dict[str, tuple[str, ...]]:
    return {column.name: column.levels for column in RAW_COLUMNS if column.levels}


def ranges(kind: str) -> dict[str, tuple[float, float]]:
    """The inclusive ranges of the declared columns of type `kind` (integer or number)."""
    return {column.name: column.range for column in RAW_COLUMNS if column.type == kind and column.range}
