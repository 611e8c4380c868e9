"""The validation results on disk: failures, quarantine, accounting, columns, kept rows.

Privacy: a value shaped like a Swedish personal identity number is written as REDACTED in
every file written here (failures, quarantine incl. the verbatim record text) and never
logged. Files are written through `rehab.safe_io`; the three that carry raw export text
(failures, quarantine, columns) are spreadsheet-safe (`raw_text=True`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rehab.errors import QuarantineLimitError
from rehab.safe_io import write_csv, write_parquet_files
from rehab.validation import FAILURE_COLUMNS, RAW_FILES, FileValidation, contract_columns
from schemas import raw_export as rx

log = logging.getLogger("rehab")

ACCOUNTING_COLUMNS = ["file", "rows_read", "rows_kept", "rows_quarantined", "values_set_missing", "physical_lines"]


def accounting(results: Mapping[str, FileValidation]) -> pd.DataFrame:
    """One row per raw file; physical_lines (header + data records' lines + blank lines) shows
    when a file has more lines than rows."""
    rows = []
    for name in RAW_FILES:
        result = results[name]
        kept, quarantined = len(result.kept), result.rows_quarantined
        if kept + quarantined != result.rows_read:
            raise RuntimeError(f"{name}: rows read {result.rows_read} != kept {kept} + quarantined {quarantined}")
        lines = result.table.physical_lines
        rows.append((name, result.rows_read, kept, quarantined, result.values_set_missing, lines))
    return pd.DataFrame(rows, columns=ACCOUNTING_COLUMNS)


def failures_table(results: Mapping[str, FileValidation]) -> pd.DataFrame:
    """failures.csv: files in contract order, then line, column, check; ids masked."""
    frames = [results[name].failures for name in RAW_FILES]
    failures = pd.concat(frames, ignore_index=True) if any(len(f) for f in frames) else frames[0].iloc[:0]
    failures = failures.reindex(columns=FAILURE_COLUMNS)
    for column in ("patient_id", "value"):
        failures[column] = rx.mask_personal_numbers(pd.Series(failures[column], dtype="string")).fillna("")
    return failures


def quarantine_table(result: FileValidation) -> pd.DataFrame:
    """quarantine/<file>.csv: line, reasons, the contract columns as read, the verbatim record."""
    lines = result.quarantined_lines
    frame = result.table.frame.set_index("line")
    rows = frame.reindex(lines)
    out = pd.DataFrame({"line": lines, "reasons": _reasons(result.failures, lines)})
    for column in contract_columns(result.table):
        out[column] = rx.mask_personal_numbers(pd.Series(rows[column].to_numpy(), dtype="string")).to_numpy()
    records = result.table.records(lines) if len(lines) else pd.Series([], dtype="string")
    out["record"] = rx.mask_personal_numbers_in_records(records).to_numpy()
    return out


def _reasons(failures: pd.DataFrame, lines: np.ndarray) -> np.ndarray:
    """`; `-joined `column: check` of each line (failures are sorted by line, column, check)."""
    mine = failures[failures["line"].isin(lines)]
    label = np.where(mine["column"].fillna("").eq(""), mine["check"], mine["column"].fillna("") + ": " + mine["check"])
    counts = np.bincount(np.searchsorted(lines, mine["line"].to_numpy()), minlength=len(lines))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), type=pa.int64())
    values = pa.array(label.astype(object), type=pa.large_string())
    joined = pc.binary_join(pa.LargeListArray.from_arrays(offsets, values), pa.scalar("; ", pa.large_string()))
    return joined.to_numpy(zero_copy_only=False)


def write_validation_outputs(
    results: Mapping[str, FileValidation],
    failures: str | Path,
    accounting_path: str | Path,
    columns: str | Path,
    quarantine: Mapping[str, str | Path],
    kept: Mapping[str, str | Path],
) -> pd.DataFrame:
    """Write every validation output; returns the accounting table."""
    table = accounting(results)
    write_csv(failures_table(results), failures, raw_text=True)
    write_csv(table, accounting_path)
    write_csv(pd.concat([results[n].columns for n in RAW_FILES], ignore_index=True), columns, raw_text=True)
    for name in RAW_FILES:
        write_csv(quarantine_table(results[name]), quarantine[name], raw_text=True)
    write_parquet_files({name: results[name].kept for name in RAW_FILES}, kept)
    log_summary(results, table, failures)
    return table


def log_summary(results: Mapping[str, FileValidation], table: pd.DataFrame, failures_path: str | Path) -> None:
    """One line per file plus the failures by check (no values: they may identify a person);
    a WARNING, naming failures.csv, for a file with rows quarantined or values set missing."""
    for row in table.itertuples(index=False):
        failures = results[row.file].failures
        by_check = failures.groupby(["check", "action"]).size()
        detail = ", ".join(f"{check} ({action}): {n}" for (check, action), n in by_check.items()) or "none"
        unknown = ", ".join(results[row.file].table.unknown_columns) or "none"
        defects = bool(row.rows_quarantined or row.values_set_missing)
        log.log(
            logging.WARNING if defects else logging.INFO,
            "%s.csv: %d rows read, %d kept, %d quarantined, %d values set missing; failures by check: %s; "
            "unknown columns (ignored): %s%s",
            row.file,
            row.rows_read,
            row.rows_kept,
            row.rows_quarantined,
            row.values_set_missing,
            detail,
            unknown,
            f"; every failure is in {failures_path}" if defects else "",
        )


def check_quarantine_limit(
    accounting_table: pd.DataFrame, max_share: float, cohort: str, validation_dir: str | Path
) -> None:
    """Stop (QuarantineLimitError) when a file's quarantined rows exceed max_share of its rows read."""
    for row in accounting_table.itertuples(index=False):
        share = row.rows_quarantined / row.rows_read if row.rows_read else 0.0
        if share > max_share:
            folder = Path(validation_dir)
            raise QuarantineLimitError(
                f"Too many rows of {row.file}.csv were quarantined: {row.rows_quarantined} of "
                f"{row.rows_read} rows read ({share:.1%}), above the limit of {max_share:.1%} for "
                f"cohort {cohort}. The run stops before analysis so that the export can be checked: "
                f"see {folder / 'failures.csv'} for every broken rule and {folder / 'quarantine'}/ "
                f"for the rows set aside. Fix the export, or if this share is acceptable raise "
                f"cohorts.{cohort}.max_quarantine_share in the config."
            )


def read_accounting(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path)
