"""Validate a raw export against its Pandera models and decide what happens to each row.

Order matters: patients.csv is validated first; its kept rows decide the cross-file rules
of sessions.csv and outcomes.csv. For each file:

1. the Pandera model (schemas/raw_export.py; the outcomes model is the study's) checks the
   text lazily (its checks parse numbers and dates as the dialect writes them,
   `rehab.core.values`): every failure of the file in one pass, mapped to (line, column, check);
2. a row with a failure in a required column or of a row rule (duplicate, conflict,
   unknown/quarantined patient, wrong field count, stray quote) is quarantined, with every rule it broke;
   any other failure sets that value missing in a kept row (action `set_missing`);
3. the kept rows are parsed to typed columns, the set-missing values masked.

Each file is validated within one `parse_scope`: the typed rows reuse the checks' parses.

Writing the outputs, masking and the quarantine limit live in `validation_outputs.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc
from pandera.config import ValidationDepth, config_context, get_config_context

from rehab.core.study import Study
from rehab.core.values import (
    DEFAULT_FORMAT,
    TextFormat,
    canonical_codes,
    date_values,
    integer_values,
    number_values,
    parse_codes,
    parse_scope,
    to_arrow,
)
from schemas import raw_export as rx

log = logging.getLogger("rehab")

FAILURE_COLUMNS = [
    "file",
    "line",
    "patient_id",
    "column",
    "value",
    "check",
    "action",
    "message",
    # where a reviewer finds the row in the clinic's own file (a mapped export's names and codes)
    "source_file",
    "source_column",
    "source_value",
]
# Row checks of the reader: `column` carries the detail of the message, the row has no column.
ROW_DETAIL_CHECKS = ("field_count", "unbalanced_quote")


@dataclass
class FileValidation:
    """What validation decided for one raw file."""

    name: str
    failures: pd.DataFrame  # FAILURE_COLUMNS, values as read (not yet masked)
    quarantined_lines: np.ndarray  # sorted
    kept: pd.DataFrame  # typed kept rows: line + contract columns
    rows_read: int
    values_set_missing: int
    columns: pd.DataFrame  # file, column, status
    table: Any  # the RawTable (for the verbatim records of quarantined rows)

    @property
    def rows_quarantined(self) -> int:
        return len(self.quarantined_lines)


@dataclass
class PatientContext:
    """The patients of patients.csv as the other two files see them."""

    ids: pd.Index  # every distinct patient_id of patients.csv
    kept: np.ndarray  # bool, aligned with ids
    program_start: np.ndarray  # datetime64[ns], NaT unless kept
    discharge_date: np.ndarray  # datetime64[ns], NaT unless kept with a valid discharge_date

    @classmethod
    def of(cls, patients: FileValidation) -> PatientContext:
        ids = pd.Index(patients.table.frame["patient_id"].dropna().unique())
        kept = patients.kept.set_index("patient_id")
        at = kept.index.get_indexer(ids)
        found = at >= 0
        program_start = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[ns]")
        discharge_date = program_start.copy()
        program_start[found] = kept["program_start_date"].to_numpy("datetime64[ns]")[at[found]]
        discharge_date[found] = kept["discharge_date"].to_numpy("datetime64[ns]")[at[found]]
        return cls(ids=ids, kept=found, program_start=program_start, discharge_date=discharge_date)

    def enrich(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` with its patients' status, program start and kept discharge_date."""
        at = pc.index_in(to_arrow(frame["patient_id"]), value_set=to_arrow(pd.Series(self.ids.array)))
        known = at.is_valid().to_numpy(zero_copy_only=False)
        at = at.fill_null(len(self.ids)).to_numpy().astype(np.int64)  # unknown: one past the last patient
        kept = np.append(self.kept, False)[at]  # (there may be no patient at all)
        status = _STATUS_TEXTS.take(pyarrow.array(kept.astype(np.int8), mask=~known))
        program_start = np.append(self.program_start, np.datetime64("NaT"))[at]
        discharge_date = np.append(self.discharge_date, np.datetime64("NaT"))[at]
        return frame.assign(
            **{
                rx.PATIENT_STATUS: pd.array(status, dtype="string"),
                rx.PROGRAM_START: program_start.astype("datetime64[ns]"),
                rx.DISCHARGE: discharge_date.astype("datetime64[ns]"),
            }
        )


_STATUS_TEXTS = pyarrow.array(["quarantined", "kept"], type=pyarrow.large_string())  # by `kept`


@contextmanager
def always_validate():
    """Pandera fully on, whatever PANDERA_VALIDATION_ENABLED / _DEPTH say: no silent skip."""
    with config_context(validation_enabled=True, validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        config = get_config_context()
        if not config.validation_enabled or config.validation_depth != ValidationDepth.SCHEMA_AND_DATA:
            raise RuntimeError("Pandera validation could not be switched on; refusing to skip validation.")
        yield


# ----------------------------------------------------------------------------- entry points


def validate_export(
    folder: str | Path,
    dialect: Mapping,
    study: Study,
    intervention_codes: tuple[int, ...],
    export: Mapping,
    cohort: str | None = None,
    max_record_lines: int | None = None,
    study_keys: Mapping[str, str] | None = None,
) -> dict[str, FileValidation]:
    """Read and validate the files of a raw export folder against the contract of `study` and
    the codebook's `intervention_codes` (file-level errors raise).

    `export` is the cohort's export config with the schema's defaults filled in (its sources
    and mapping, `rehab.ingest.mapping`); `study_keys` names the config key of each study
    section in messages; `max_record_lines` (default: the reader's) is the most lines one
    record may span.
    """
    from rehab.ingest.mapping import ExportMapping, read_export
    from rehab.ingest.reader import DEFAULT_MAX_RECORD_LINES

    limit = DEFAULT_MAX_RECORD_LINES if max_record_lines is None else max_record_lines
    contract = rx.raw_contract(study, tuple(intervention_codes))
    mapping = ExportMapping.of(export, study, cohort)
    tables = read_export(folder, dialect, study, contract, mapping, study_keys, max_record_lines=limit)
    return validate_tables(tables, dialect, study, intervention_codes)


def validate_tables(
    tables: Mapping[str, object], dialect: Mapping, study: Study, intervention_codes: tuple[int, ...]
) -> dict[str, FileValidation]:
    """Validate RawTables in contract order: patients first, its kept rows feed the others."""
    text_format = TextFormat.of(dialect)
    contract = rx.raw_contract(study, tuple(intervention_codes))
    patients = validate_file(tables["patients"], contract, text_format)
    context = PatientContext.of(patients)
    results = {"patients": patients}
    for name in ("sessions", "outcomes"):
        results[name] = validate_file(tables[name], contract, text_format, context)
    return results


def validate_file(
    table, contract: rx.RawContract, text_format: TextFormat = DEFAULT_FORMAT, context: PatientContext | None = None
) -> FileValidation:
    """Validate one RawTable against `contract`; sessions/outcomes need the patients' context."""
    name = table.name
    frame = table.frame.set_index("line")
    checked = context.enrich(frame) if context is not None else frame
    model = contract.model(name, text_format)
    with parse_scope():  # a file's parses are not needed once its kept rows are typed
        broken = pd.concat([schema_failures(model, checked), malformed_failures(table)], ignore_index=True)
        quarantined = quarantined_lines(broken, name)
        set_missing = broken[~broken["line"].isin(quarantined)]
        keep = ~frame.index.isin(quarantined)
        kept = typed_rows(
            frame, text_format, set_missing, keep=keep, types=contract.column_types, codes=contract.intervention_codes
        )
    failures = describe_failures(name, broken, frame, quarantined, text_format, contract, table)
    return FileValidation(
        name=name,
        failures=failures,
        quarantined_lines=quarantined,
        kept=kept,
        rows_read=table.rows_read,
        values_set_missing=len(set_missing[["line", "column"]].drop_duplicates()),
        columns=column_status(table),
        table=table,
    )


# ----------------------------------------------------------------------------- failures


def schema_failures(model: type[pa.DataFrameModel], frame: pd.DataFrame) -> pd.DataFrame:
    """Every rule `frame` breaks as rows (line, column, check); the index of frame is the line."""
    with always_validate():
        try:
            model.validate(frame, lazy=True, inplace=True)
        except pa.errors.SchemaErrors as errors:
            return _failure_rows(errors.failure_cases)
    return _failures_frame([], [], [])


def _failure_rows(cases: pd.DataFrame) -> pd.DataFrame:
    frame_level = cases["schema_context"].eq("DataFrameSchema").to_numpy()
    known = ~frame_level | cases["check"].isin(list(rx.DATAFRAME_CHECK_COLUMNS)).to_numpy()
    unexpected = cases[cases["index"].isna().to_numpy() | ~known]
    if len(unexpected):
        # A check that raised, or a schema-level failure: a bug, not a data problem.
        raise RuntimeError(f"Unexpected validation failure:\n{unexpected.head(20).to_string()}")
    check = cases["check"].astype(str).replace({"not_nullable": "required"})
    column = np.where(frame_level, check.map(rx.DATAFRAME_CHECK_COLUMNS).astype(object), cases["column"].astype(object))
    out = _failures_frame(cases["index"].astype("int64").to_numpy(), column, check.to_numpy())
    return out.drop_duplicates(ignore_index=True)


def _failures_frame(lines, columns, checks) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "line": np.asarray(lines, dtype=np.int64),
            "column": pd.array(np.asarray(columns, dtype=object), dtype="string"),
            "check": pd.array(np.asarray(checks, dtype=object), dtype="string"),
        }
    )


def malformed_failures(table) -> pd.DataFrame:
    """Rows with the wrong number of fields or a stray quote (`column` holds the detail for the message)."""
    bad = table.malformed
    counts = bad["n_fields"].astype(str) + " fields, expected " + bad["expected_fields"].astype(str)
    out = _failures_frame(bad["line"].to_numpy(), counts.to_numpy(dtype=object), ["field_count"] * len(bad))
    stray = getattr(table, "unbalanced", None)
    if stray is None or not len(stray):
        return out
    detail = (
        "read on, the record would run to line "
        + stray["runs_to_line"].astype(str)
        + " with "
        + stray["n_fields"].astype(str)
        + " fields; a record needs "
        + stray["expected_fields"].astype(str)
        + " fields within "
        + stray["max_record_lines"].astype(str)
        + " lines"
    )
    unbalanced = _failures_frame(
        stray["line"].to_numpy(), detail.to_numpy(dtype=object), ["unbalanced_quote"] * len(stray)
    )
    return pd.concat([out, unbalanced], ignore_index=True)


def quarantined_lines(broken: pd.DataFrame, name: str) -> np.ndarray:
    row_level = broken["check"].isin(list(rx.ROW_CHECKS)) | broken["column"].isin(list(rx.REQUIRED_COLUMNS[name]))
    return np.unique(broken.loc[row_level.to_numpy(), "line"].to_numpy())


def describe_failures(
    name: str,
    broken: pd.DataFrame,
    frame: pd.DataFrame,
    quarantined: np.ndarray,
    text_format: TextFormat,
    contract: rx.RawContract,
    table,
) -> pd.DataFrame:
    """failures.csv rows of one file (values as read; masking happens when writing): `line` is
    the source line or row, and the source file, column and value are named (`table`: the
    file's `rehab.ingest.mapping.MappedTable`)."""
    is_row_detail = broken["check"].isin(list(ROW_DETAIL_CHECKS)).to_numpy()  # `column` holds the detail
    column = broken["column"].mask(is_row_detail, "")
    messages = _messages(broken, text_format, contract)
    keys = broken["line"].to_numpy()
    source = table.source_details(keys, column.fillna("").to_numpy())
    out = pd.DataFrame(
        {
            "file": name,
            "line": table.source_lines(keys) if source is not None else keys,
            "key": keys,
            "patient_id": _values_at(frame, "patient_id", broken["line"]),
            "column": column.to_numpy(),
            "value": _failure_values(frame, broken["line"], column),
            "check": broken["check"].to_numpy(),
            "action": np.where(np.isin(broken["line"], quarantined), "quarantined", "set_missing"),
            "message": messages,
            "source_file": table.source_file,
            "source_column": source["source_column"].to_numpy(),
            "source_value": source["source_value"].to_numpy(),
        }
    )
    # by the row's key (source row, then time point), then column and check; `key` is not written
    return out.sort_values(["key", "column", "check"], ignore_index=True)


def _messages(broken: pd.DataFrame, text_format: TextFormat, contract: rx.RawContract) -> np.ndarray:
    pairs = broken[["check", "column"]].drop_duplicates()
    lookup = {
        (check, column): (
            f"row has {column}" if check == "field_count" else rx.describe_check(check, column, text_format, contract)
        )
        for check, column in pairs.itertuples(index=False)
    }
    keys = pd.MultiIndex.from_frame(broken[["check", "column"]])
    return pd.Series(lookup).reindex(keys).to_numpy(dtype=object) if len(broken) else np.array([], dtype=object)


def _values_at(frame: pd.DataFrame, column: str, lines: pd.Series) -> np.ndarray:
    """frame[column] at `lines` (lines absent from frame, i.e. malformed rows, give <NA>)."""
    return frame[column].reindex(lines.to_numpy()).to_numpy(dtype=object, na_value=pd.NA)


def _failure_values(frame: pd.DataFrame, lines: pd.Series, columns: pd.Series) -> np.ndarray:
    values = np.full(len(lines), pd.NA, dtype=object)
    for column in pd.unique(columns.dropna()):
        if column in frame.columns:
            rows = (columns == column).to_numpy()
            values[rows] = _values_at(frame, column, lines[rows])
    return values


# ----------------------------------------------------------------------------- typed rows


def typed_rows(
    frame: pd.DataFrame,
    text_format: TextFormat,
    set_missing: pd.DataFrame,
    keep: np.ndarray,
    types: Mapping[str, str],
    codes: tuple[int, ...] = (),
) -> pd.DataFrame:
    """The rows of `keep` parsed to their `types` (line first; a column without one stays text),
    values that broke a rule set missing.

    Columns are parsed whole, as the checks parsed them (within a `parse_scope` the checks'
    parses answer), then cut to the kept rows; `codes` are the valid intervention codes.
    """
    out = {"line": frame.index.to_numpy(dtype=np.int64)[keep]}
    for column in frame.columns:
        lines = set_missing.loc[set_missing["column"].eq(column).to_numpy(), "line"]
        invalid = frame.index.isin(lines)[keep]
        out[column] = _typed_column(frame[column], types.get(column, "text"), text_format, keep, invalid, codes)
    return pd.DataFrame(out)


def _typed_column(
    texts: pd.Series, kind: str, text_format: TextFormat, keep: np.ndarray, invalid: np.ndarray, codes: tuple[int, ...]
):
    if kind in ("integer", "number"):
        parse = integer_values if kind == "integer" else number_values
        values = parse(texts, text_format.decimal).to_numpy()[keep]
        missing = invalid | np.isnan(values)
        if kind == "number":
            return pd.arrays.FloatingArray(np.where(missing, 0.0, values), missing)
        # every kept integer passed its range check, so it fits int64 exactly
        return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)
    if kind == "date":
        values = date_values(texts, text_format.date_format).to_numpy()[keep]
        values[invalid] = np.datetime64("NaT")
        return values
    if kind == "codes":
        # Canonical code list; "" when nothing was coded, <NA> when the field was set missing.
        bits = parse_codes(texts, codes)["bits"].to_numpy()[keep]
        canonical = canonical_codes(bits, codes)
        return pd.array(
            pc.if_else(pyarrow.array(invalid), pyarrow.scalar(None, pyarrow.large_string()), canonical), dtype="string"
        )
    return texts[keep].mask(invalid).array


def column_status(table) -> pd.DataFrame:
    """columns.csv rows: contract columns present/absent, then the unknown columns (a mapped
    table says which source column is which)."""
    if hasattr(table, "column_status"):
        return table.column_status()
    header = set(table.header)
    rows = [(table.name, c, "present" if c in header else "absent") for c in contract_columns(table)]
    rows += [(table.name, c, "unknown") for c in table.unknown_columns]
    return pd.DataFrame(rows, columns=["file", "column", "status"])


def contract_columns(table) -> list[str]:
    """The contract columns the table was read with (every one is a column of its frame)."""
    return [column for column in table.frame.columns if column != "line"]
