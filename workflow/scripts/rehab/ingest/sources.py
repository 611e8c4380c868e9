"""Read one contract file's source as text columns with row numbers: CSV, Excel or SPSS.

A clinic's export may come as CSV (the reader, `rehab.ingest.reader`), as an Excel workbook
(`.xlsx`: one sheet per contract file, or a named sheet; read with python-calamine) or as an
SPSS file (`.sav`: read with pyreadstat). Whatever the source, the result has the reader's
shape (`RawTable`'s attributes): a frame of text columns named by the source's own headers,
indexed by `line`, plus the header, the rows read and the verbatim record of a row. The
mapping to the contract (`rehab.ingest.mapping`) works on that shape alone.

Spreadsheet cells become the text the contract reads, written as the cohort's dialect
writes values (decimal mark, date format), so validation checks every source alike:

- a number cell: its shortest exact decimal (`7`, `35.3`); in a date column an Excel serial
  date (days since 1899-12-30; a time of day is dropped);
- a date cell: the date in the dialect's date format;
- a text cell: as written, whitespace stripped; empty and the missing tokens are missing;
- a formula: its cached value (python-calamine reads it); a formula saved without one is a
  failure (`FormulaWithoutValueError`), never a guess;
- `line` is the spreadsheet's row number (header row included); for SPSS, the case number.

Every text that reaches a message (file, sheet and column names) is masked; the cells reach
outputs only through `rehab.core.safe_io`, which masks every one.
"""

from __future__ import annotations

import datetime as dt
import logging
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rehab.core.errors import RawExportError
from rehab.core.export_contract import MAY_BE_EMPTY
from rehab.core.privacy import mask_text, shown
from rehab.core.suggestions import did_you_mean
from rehab.core.values import ISO_DATE, TextFormat
from rehab.ingest.export_files import DEFAULT_MAX_RECORD_LINES, check_file_present
from rehab.ingest.reader import STRING_DTYPE, WHITESPACE

log = logging.getLogger("rehab")

EXCEL_EPOCH = np.datetime64("1899-12-30")  # serial 1 = 1900-01-01 in Excel's 1900 date system
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SPSS_SUFFIXES = (".sav", ".zsav")
RECORD_SEPARATOR = "\t"  # between the cells of a spreadsheet row in a quarantined row's record


class FormulaWithoutValueError(RawExportError):
    """A workbook cell holds a formula saved without its computed value."""


def source_kind(path: str | Path) -> str:
    """`csv`, `xlsx` or `sav`, by the file's suffix (anything else is read as CSV)."""
    suffix = Path(path).suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return "xlsx"
    if suffix in SPSS_SUFFIXES:
        return "sav"
    return "csv"


@dataclass
class SheetTable:
    """A spreadsheet or SPSS source read as text: the reader's `RawTable` shape."""

    name: str
    path: Path
    frame: pd.DataFrame  # line + the wanted source columns (text, missing = <NA>)
    unknown_columns: list[str]
    rows_read: int
    header: list[str]
    physical_lines: int  # rows of the sheet up to its last (header and blank rows included); SPSS: cases
    sheet: str | None = None
    labels: dict[str, str] = field(default_factory=dict)  # SPSS variable labels by header
    _records: pd.Series | None = field(default=None, repr=False)  # every row's cells joined, by line
    malformed: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"line": [], "n_fields": [], "expected_fields": []}, dtype="int64")
    )
    unbalanced: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["line", "runs_to_line", "n_fields", "expected_fields", "max_record_lines"]
        )
    )

    def records(self, lines) -> pd.Series:
        """The cells of the rows at `lines` as text, joined by a tab (index = line)."""
        wanted = np.array(lines, dtype=np.int64, ndmin=1)
        return self._records.reindex(wanted).rename_axis("line").rename("record")


# --------------------------------------------------------------------------- entry point


def read_source(
    path: str | Path,
    name: str,
    dialect: dict,
    cohort: str | None,
    columns: dict[str, bool],
    date_columns: set[str] = frozenset(),
    sheet: str | None = None,
    value_labels: bool = True,
    max_record_lines: int = DEFAULT_MAX_RECORD_LINES,
):
    """Read the source of contract file `name`: `columns` ({source header: required}) are the
    source columns wanted, `date_columns` those holding dates (an Excel number there is a
    serial date). A CSV is read by `rehab.ingest.reader` (its dialect and line rules)."""
    path = Path(path)
    kind = source_kind(path)
    if kind == "csv":
        from rehab.ingest.reader import read_raw_table

        return read_raw_table(path, name, dialect, cohort, columns, max_record_lines=max_record_lines)
    check_file_present(path, cohort)
    text_format = TextFormat.of(dialect)
    if kind == "xlsx":
        chosen, rows = _workbook_rows(path, name, sheet, cohort)
        return _sheet_table(path, name, rows, columns, date_columns, dialect, text_format, chosen)
    return _spss_table(path, name, columns, date_columns, dialect, text_format, value_labels)


# --------------------------------------------------------------------------- Excel


def _workbook_rows(path: Path, name: str, sheet: str | None, cohort: str | None) -> tuple[str, list[list]]:
    """The cells of the chosen sheet, row by row from row 1 (python-calamine: cached values)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # noqa: BLE001 - the library's own error types vary by format problem
        raise RawExportError(
            f"Raw export file {mask_text(str(path))} cannot be read as an Excel workbook "
            f"({mask_text(type(error).__name__)}). Save it again as .xlsx, or point "
            f"cohorts.{cohort or '<cohort>'}.export.files.{name}.source at the right file."
        ) from None
    chosen = _chosen_sheet(workbook.sheet_names, name, sheet, path, cohort)
    rows = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    _check_formulas(path, chosen, rows)
    return chosen, rows


def _chosen_sheet(sheets: list[str], name: str, sheet: str | None, path: Path, cohort: str | None) -> str:
    """The named sheet, else the sheet named as the contract file, else the only sheet."""
    key = f"cohorts.{cohort or '<cohort>'}.export.files.{name}.sheet"
    if sheet is not None:
        if sheet in sheets:
            return sheet
        raise RawExportError(
            f"Raw export file {mask_text(str(path))} has no sheet {shown(sheet)} (config key {key}); "
            f"its sheets are: {', '.join(map(shown, sheets))}{did_you_mean(sheet, sheets)}."
        )
    if name in sheets:
        return name
    if len(sheets) == 1:
        return sheets[0]
    raise RawExportError(
        f"Raw export file {mask_text(str(path))} has several sheets ({', '.join(map(shown, sheets))}) "
        f"and none is named {name!r}: set {key} to the sheet that holds the {name} rows."
    )


FORMULA_MARKS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ")  # a formula element, with or without a prefix


def _check_formulas(path: Path, sheet: str, rows: list[list]) -> None:
    """A formula cell saved without its computed value reads as empty: find such cells
    (openpyxl reads the formulas, only when the sheet holds any) and stop naming the first."""
    if not _sheet_has_formulas(path):
        return
    from openpyxl import load_workbook

    formulas = load_workbook(path, read_only=True, data_only=False)[sheet]
    for number, row in enumerate(formulas.iter_rows(values_only=True), start=1):
        for column, value in enumerate(row):
            if isinstance(value, str) and value.startswith("=") and _cached_empty(rows, number, column):
                cell = f"{_column_letters(column)}{number}"
                raise FormulaWithoutValueError(
                    f"Raw export file {mask_text(str(path))}, sheet {shown(sheet)}: cell {cell} holds a "
                    "formula saved without its computed value, so its value is unknown. Open the workbook in "
                    "Excel or LibreOffice, let it recalculate, save it, and run again (or replace the "
                    "formulas by their values)."
                )


@lru_cache(maxsize=4)
def _sheet_has_formulas(path: Path) -> bool:
    """Whether any worksheet part of the workbook holds a formula element (a byte search;
    once per workbook, which several contract files may share)."""
    with zipfile.ZipFile(path) as archive:
        parts = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        return any(any(mark in archive.read(part) for mark in FORMULA_MARKS) for part in parts)


def _cached_empty(rows: list[list], number: int, column: int) -> bool:
    if number > len(rows) or column >= len(rows[number - 1]):
        return True
    value = rows[number - 1][column]
    return value is None or value == ""


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _sheet_table(
    path: Path,
    name: str,
    rows: list[list],
    columns: dict[str, bool],
    date_columns: set[str],
    dialect: dict,
    text_format: TextFormat,
    sheet: str | None,
) -> SheetTable:
    width = max(map(len, rows), default=0)
    cells = np.empty((len(rows), width), dtype=object)
    if rows:
        cells[:, :] = rows  # python-calamine gives rows of the sheet's width
    written = [_cell_texts(cells[:, j], False, text_format) for j in range(width)]  # as written
    texts = [_missing_set(text, dialect) for text in written]
    blank = np.ones(len(rows), dtype=bool)
    for text in written:
        blank &= pc.equal(pc.utf8_trim(text, characters=WHITESPACE), "").fill_null(True).to_numpy(zero_copy_only=False)
    filled = np.flatnonzero(~blank)
    if len(filled) == 0:
        raise RawExportError(
            f"Raw export file {mask_text(str(path))}{_sheet_text(sheet)} is empty: it has no header row. Export "
            "it again with its header row of column names."
        )
    header_at, data = filled[0], filled[1:]
    header = [_header_name(text[header_at]) for text in texts]
    while header and header[-1] == "" and width:  # trailing empty header cells of an empty column
        header.pop()
    if len(data) == 0 and name not in MAY_BE_EMPTY:
        raise RawExportError(
            f"Raw export file {mask_text(str(path))}{_sheet_text(sheet)} has a header but no data rows: the "
            f"{name} rows are needed. Check that the export ran to completion."
        )
    frame = pd.DataFrame({"line": pd.array(data + 1, dtype="int64")})
    for column in columns:
        if column in header:
            position = header.index(column)
            if column in date_columns:
                text = _missing_set(_cell_texts(cells[data, position], True, text_format), dialect)
            else:
                text = texts[position].take(pa.array(data))
            frame[column] = pd.array(text, dtype=STRING_DTYPE)
    records = _joined_cells([text.take(pa.array(data)) for text in written[: len(header)]])
    return SheetTable(
        name=name,
        path=path,
        frame=frame,
        unknown_columns=[column for column in header if column not in columns and column != ""],
        rows_read=len(data),
        header=header,
        physical_lines=len(rows),
        sheet=sheet,
        _records=pd.Series(records, index=pd.Index(data + 1, name="line"), dtype=STRING_DTYPE),
    )


def _sheet_text(sheet: str | None) -> str:
    return f", sheet {shown(sheet)}," if sheet else ""


def _header_name(value) -> str:
    return "" if value is None or not value.is_valid else str(value.as_py())


def _joined_cells(columns: list[pa.Array]) -> pa.Array:
    if not columns:
        return pa.array([], type=pa.large_string())
    filled = [pc.fill_null(column, "") for column in columns]
    return pc.binary_join_element_wise(*filled, pa.scalar(RECORD_SEPARATOR, pa.large_string()))


# --------------------------------------------------------------------------- cell values as text


def _cell_texts(cells: np.ndarray, dates: bool, text_format: TextFormat) -> pa.Array:
    """The contract's text of each cell of one column (see the module doc), as written: an
    empty cell is null (`_missing_set` then sets the empty texts and missing tokens missing)."""
    missing = pd.isna(cells)  # None, NaN (an empty SPSS number), NaT
    # the kind of each cell by its Python type, as the library gave it (a hashed lookup)
    kinds = pd.Series(_TYPE(cells), dtype=object).map(CELL_KINDS).to_numpy(dtype=object)
    out = np.full(len(cells), None, dtype=object)
    strings = (kinds == "text") & ~missing
    out[strings] = cells[strings]
    numbers = (kinds == "number") & ~missing
    if numbers.any():
        values = cells[numbers].astype(np.float64)
        if dates:
            days = EXCEL_EPOCH + np.floor(values).astype("timedelta64[D]")
            out[numbers] = _date_texts(days, text_format).to_numpy(zero_copy_only=False)
        else:
            out[numbers] = _number_texts(values, text_format).to_numpy(zero_copy_only=False)
    moments = np.zeros(len(cells), dtype=bool)
    for kind in ("date", "datetime"):  # a time of day is dropped
        chosen = (kinds == kind) & ~missing
        if chosen.any():
            days = pa.array(cells[chosen].tolist()).cast(pa.timestamp("s")).to_numpy(zero_copy_only=False)
            out[chosen] = _date_texts(days.astype("datetime64[D]"), text_format).to_numpy(zero_copy_only=False)
            moments |= chosen
    others = ~(strings | numbers | moments | missing)
    out[others] = cells[others].astype(str)  # booleans, times of day: rare, shown as written
    return pa.array(out, type=pa.large_string())


_TYPE = np.frompyfunc(type, 1, 1)
CELL_KINDS = {
    str: "text",
    float: "number",
    int: "number",
    dt.date: "date",
    dt.datetime: "datetime",
    pd.Timestamp: "datetime",
}  # any other type (a boolean, a time of day) is shown as written


def _number_texts(values: np.ndarray, text_format: TextFormat) -> pa.Array:
    texts = pc.cast(pa.array(values, type=pa.float64()), pa.large_string())
    return pc.replace_substring(texts, ".", text_format.decimal) if text_format.decimal != "." else texts


def _date_texts(days: np.ndarray, text_format: TextFormat) -> pa.Array:
    if text_format.date_format == ISO_DATE:  # Arrow writes a date as ISO text directly (faster)
        return pa.array(days.astype("datetime64[D]"), type=pa.date32()).cast(pa.large_string())
    stamps = pa.array(days.astype("datetime64[s]"), type=pa.timestamp("s"))
    return pc.strftime(stamps, format=text_format.date_format).cast(pa.large_string())


def _missing_set(values: pa.Array, dialect: dict) -> pa.Array:
    """Whitespace stripped; empty text and the dialect's missing tokens set missing."""
    values = pc.utf8_trim(values, characters=WHITESPACE)
    tokens = {""} | {str(token).strip(WHITESPACE) for token in dialect["missing_values"]}
    missing = pc.is_in(values, value_set=pa.array(sorted(tokens), type=pa.large_string()))
    return pc.if_else(missing, pa.scalar(None, pa.large_string()), values)


# --------------------------------------------------------------------------- SPSS


def _spss_table(
    path: Path,
    name: str,
    columns: dict[str, bool],
    date_columns: set[str],
    dialect: dict,
    text_format: TextFormat,
    value_labels: bool,
) -> SheetTable:
    """An SPSS file: one case per row (line = case number), value labels as the values when
    `value_labels` (a value without a label stays its code), variable labels kept."""
    import pyreadstat

    try:
        data, meta = pyreadstat.read_sav(str(path), apply_value_formats=value_labels, formats_as_category=False)
    except Exception as error:  # noqa: BLE001 - pyreadstat's errors are of several kinds
        raise RawExportError(
            f"Raw export file {mask_text(str(path))} cannot be read as an SPSS .sav file "
            f"({mask_text(type(error).__name__)}). Save it again from SPSS as .sav."
        ) from None
    header = [str(column) for column in data.columns]
    if len(data) == 0 and name not in MAY_BE_EMPTY:
        raise RawExportError(
            f"Raw export file {mask_text(str(path))} has no cases: the {name} rows are needed. Check that "
            "the export ran to completion."
        )
    lines = np.arange(1, len(data) + 1, dtype=np.int64)
    written = {
        column: _cell_texts(data[column].to_numpy(dtype=object), column in date_columns, text_format)
        for column in header
    }
    texts = {column: _missing_set(text, dialect) for column, text in written.items()}
    frame = pd.DataFrame({"line": pd.array(lines, dtype="int64")})
    for column in columns:
        if column in texts:
            frame[column] = pd.array(texts[column], dtype=STRING_DTYPE)
    records = _joined_cells([written[column] for column in header])
    labels = {str(k): str(v) for k, v in (meta.column_names_to_labels or {}).items() if v}
    return SheetTable(
        name=name,
        path=path,
        frame=frame,
        unknown_columns=[column for column in header if column not in columns],
        rows_read=len(data),
        header=header,
        physical_lines=len(data),
        labels=labels,
        _records=pd.Series(records, index=pd.Index(lines, name="line"), dtype=STRING_DTYPE),
    )
