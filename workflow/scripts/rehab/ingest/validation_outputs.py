"""The validation results on disk: failures, quarantine, accounting, columns, kept rows.

Privacy: files are written through `rehab.core.safe_io`, which masks every identity number
(`rehab.core.privacy`) in every cell, the verbatim record text of quarantined rows included; no
value is logged. The three files that carry raw export text (failures, quarantine, columns)
are spreadsheet-safe (`raw_text=True`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rehab.core.errors import DateFormatError, QuarantineLimitError
from rehab.core.export_contract import RAW_FILES
from rehab.core.privacy import mask_text, shown
from rehab.core.safe_io import write_csv, write_parquet_files
from rehab.core.values import ISO_DATE, TextFormat
from rehab.ingest.validation import FAILURE_COLUMNS, FileValidation, contract_columns

log = logging.getLogger("rehab")

ACCOUNTING_COLUMNS = ["file", "rows_read", "rows_kept", "rows_quarantined", "values_set_missing", "physical_lines"]


def accounting(results: Mapping[str, FileValidation]) -> pd.DataFrame:
    """One row per raw file the cohort has (none for a visit file it lacks); physical_lines
    (header + data records' lines + blank lines) shows when a file has more lines than rows."""
    rows = []
    for name in RAW_FILES:
        result = results[name]
        if getattr(result.table, "absent", False):
            continue
        kept, quarantined = len(result.kept), result.rows_quarantined
        if kept + quarantined != result.rows_read:
            raise RuntimeError(f"{name}: rows read {result.rows_read} != kept {kept} + quarantined {quarantined}")
        lines = result.table.physical_lines
        rows.append((name, result.rows_read, kept, quarantined, result.values_set_missing, lines))
    return pd.DataFrame(rows, columns=ACCOUNTING_COLUMNS)


def failures_table(results: Mapping[str, FileValidation]) -> pd.DataFrame:
    """failures.csv: files in contract order, then line, column, check (masked when written)."""
    frames = [results[name].failures for name in RAW_FILES]
    failures = pd.concat(frames, ignore_index=True) if any(len(f) for f in frames) else frames[0].iloc[:0]
    failures = failures.reindex(columns=FAILURE_COLUMNS)
    for column in ("patient_id", "value", "source_value"):
        failures[column] = pd.Series(failures[column], dtype="string").fillna("")
    return failures


def quarantine_table(result: FileValidation) -> pd.DataFrame:
    """quarantine/<file>.csv: line (the source line or row), reasons, the contract columns as
    read (a mapped export's after its codes are mapped), the verbatim source record."""
    keys = result.quarantined_lines
    table = result.table
    frame = table.frame.set_index("line")
    rows = frame.reindex(keys)
    lines = table.source_lines(keys) if hasattr(table, "source_lines") else keys
    out = pd.DataFrame({"line": lines, "reasons": _reasons(result.failures, keys)})
    for column in contract_columns(table):
        out[column] = pd.Series(rows[column].to_numpy(), dtype="string").to_numpy()
    records = table.records(keys) if len(keys) else pd.Series([], dtype="string")
    out["record"] = records.astype("string").to_numpy()
    return out


def _reasons(failures: pd.DataFrame, lines: np.ndarray) -> np.ndarray:
    """`; `-joined `column: check` of each row key (failures are sorted by key, column, check)."""
    key = failures["key"] if "key" in failures.columns else failures["line"]
    mine = failures[key.isin(lines)]
    key = key[mine.index]
    label = np.where(mine["column"].fillna("").eq(""), mine["check"], mine["column"].fillna("") + ": " + mine["check"])
    counts = np.bincount(np.searchsorted(lines, key.to_numpy()), minlength=len(lines))
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
    accounting_table: pd.DataFrame,
    max_share: float,
    cohort: str,
    validation_dir: str | Path,
    unreadable: pd.DataFrame | None = None,
    date_format: str = ISO_DATE,
) -> None:
    """Stop (QuarantineLimitError) when a file's quarantined rows exceed max_share of its rows read.

    When most written dates of a date column of that file could not be read (`unreadable`, from
    `unreadable_dates`), the stop is a DateFormatError naming the columns and the date format key.
    """
    for row in accounting_table.itertuples(index=False):
        share = row.rows_quarantined / row.rows_read if row.rows_read else 0.0
        if share <= max_share:
            continue
        folder = Path(validation_dir)
        quarantined = (
            f"{row.rows_quarantined} of {row.rows_read} rows of {row.file}.csv were quarantined ({share:.1%}), "
            f"above the limit of {max_share:.1%} for cohort {cohort}"
        )
        mostly = _mostly_unreadable(unreadable, row.file)
        if len(mostly):
            raise DateFormatError(_date_format_message(mostly, row.file, quarantined, cohort, date_format, folder))
        raise QuarantineLimitError(
            f"Too many rows of {row.file}.csv were quarantined: {row.rows_quarantined} of "
            f"{row.rows_read} rows read ({share:.1%}), above the limit of {max_share:.1%} for "
            f"cohort {cohort}. The run stops before analysis so that the export can be checked: "
            f"see {folder / 'failures.csv'} for every broken rule and {folder / 'quarantine'}/ "
            f"for the rows set aside. Fix the export, or if this share is acceptable raise "
            f"cohorts.{cohort}.max_quarantine_share in the config."
        )


# ----------------------------------------------------------------------------- unreadable dates

MOST_DATES = 0.5  # above this share of a column's written dates unreadable, the format is suspect
UNREADABLE_COLUMNS = ["file", "column", "unreadable", "written", "example"]


def unreadable_dates(failures: pd.DataFrame, kept: Mapping[str, str | Path]) -> pd.DataFrame:
    """Per date column with dates that could not be read: how many (`unreadable`), of how many
    written (`unreadable` + the valid dates of the kept rows), and the first such value, masked.

    `failures` is failures.csv as read (`read_raw_text_csv`); `kept` the kept Parquet files by name.
    """
    dates = failures[failures["check"].eq("date").to_numpy()]
    rows = []
    for (name, column), group in dates.groupby(["file", "column"], sort=True):
        values = pq.read_table(kept[name], columns=[column]).column(column)
        written = len(group) + len(values) - values.null_count
        rows.append((name, column, len(group), written, mask_text(str(group["value"].iloc[0]))))
    return pd.DataFrame(rows, columns=UNREADABLE_COLUMNS)


def _mostly_unreadable(unreadable: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if unreadable is None or not len(unreadable):
        return pd.DataFrame(columns=UNREADABLE_COLUMNS)
    mine = unreadable[unreadable["file"].eq(name) & (unreadable["unreadable"] > MOST_DATES * unreadable["written"])]
    return mine.sort_values(["unreadable", "column"], ascending=[False, True])


def _date_format_message(
    mostly: pd.DataFrame, name: str, quarantined: str, cohort: str, date_format: str, folder: Path
) -> str:
    shape = TextFormat(date_format=date_format).date_shape
    columns = "; ".join(
        f"{row.column}: {row.unreadable} of {row.written} dates (for example {shown(row.example)})"
        for row in mostly.itertuples(index=False)
    )
    return (
        f"Most dates of {name}.csv are not real calendar dates in the date format {shown(date_format)} "
        f"({shape}) of cohort {cohort}: {columns}. So {quarantined}. The export probably writes its "
        f"dates in another format: set cohorts.{cohort}.export.dialect.date_format in the config to "
        f'it (e.g. "%Y/%m/%d" for 2019/01/14, "%d.%m.%Y" for 14.01.2019; see config/README.md) '
        f"rather than raising cohorts.{cohort}.max_quarantine_share. Every broken rule is in "
        f"{folder / 'failures.csv'}."
    )
