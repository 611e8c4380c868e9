"""The synthetic cohort written as a clinic's export would come: an export shape.

A shape is the `export` mapping a cohort's config would declare for such an export
(config/shapes.yaml: source files, Swedish column names and codes, wide outcomes). The
mapping is read backwards here: contract columns renamed to the source's, contract values
written as the source's codes, long outcomes spread to one row per patient with a column per
instrument and time point. So the pipeline, reading the shape through the same mapping,
must find exactly the cohort the contract CSV files hold (tests/workflow/test_export_shapes.py).

Writes go through `rehab.core.safe_io` (CSV in the shape's dialect, Excel workbooks, SPSS files).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rehab.core.export_contract import RAW_FILES, column_types, source_name
from rehab.core.safe_io import write_delimited, write_spss, write_workbook
from rehab.core.study import Study


def read_contract(paths: Mapping[str, str | Path]) -> dict[str, pd.DataFrame]:
    """The contract CSV files as typed frames (numbers, dates; text as text)."""
    types = column_types()
    frames = {}
    for name in RAW_FILES:
        frame = pd.read_csv(paths[name], dtype=str, keep_default_na=False).replace("", None)
        for column in frame.columns:
            kind = types.get(column, "number")  # an instrument's column: a number
            if kind == "date":
                frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d")
            elif kind in ("integer", "number"):
                frame[column] = pd.to_numeric(frame[column])
        frames[name] = frame
    return frames


def shape_tables(frames: Mapping[str, pd.DataFrame], export: Mapping[str, Any], study: Study) -> dict:
    """Each contract file's frame as the source holds it: codes and names of the shape."""
    tables = {}
    for name in RAW_FILES:
        frame = frames[name]
        if name == "outcomes" and export["outcomes"]["layout"] == "wide":
            frame = _wide(frame, export["outcomes"], study)
        tables[name] = _coded(frame, export["values"]).rename(columns=export["columns"].get(name) or {})
    return tables


def _coded(frame: pd.DataFrame, values: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """Contract values written as the source's codes (the shape's `values`, read backwards)."""
    frame = frame.copy()
    for column, codes in values.items():
        if column in frame.columns:
            back = {value: code for code, value in codes.items()}
            frame[column] = frame[column].map(back).where(frame[column].notna(), None)
    return frame


def _wide(long: pd.DataFrame, outcomes: Mapping[str, Any], study: Study) -> pd.DataFrame:
    """One row per patient (in the order of their first row), a column per instrument and time
    point, and the assessment date of each time point (the shape's patterns)."""
    names = {**{n: n for n in (*study.instrument_names, *study.timepoint_names)}, **outcomes["names"]}
    patients = pd.unique(long["patient_id"])
    wide = pd.DataFrame({"patient_id": patients})
    at = pd.Index(patients).get_indexer(long["patient_id"])
    for column, pattern in [(i, outcomes["pattern"]) for i in study.instrument_names] + (
        [("assessment_date", outcomes["date_pattern"])] if outcomes["date_pattern"] else []
    ):
        for tp in study.timepoint_names:
            rows = (long["timepoint"] == tp).to_numpy()
            values = pd.Series([None] * len(patients), dtype=long[column].dtype if column in long else object)
            values.iloc[at[rows]] = long.loc[rows, column].to_numpy()
            wide[pattern.format(instrument=names.get(column, column), timepoint=names[tp])] = values.to_numpy()
    return wide


def write_shape(tables: Mapping[str, pd.DataFrame], export: Mapping[str, Any], folder: str | Path) -> None:
    """Write the shaped tables as the shape's files (CSV in its dialect, a workbook, SPSS)."""
    folder = Path(folder)
    by_file: dict[str, dict[str, pd.DataFrame]] = {}
    for name in RAW_FILES:
        sheet = export["files"][name]["sheet"]
        by_file.setdefault(source_name(export["files"], name), {})[sheet or name] = tables[name]
    for file, sheets in by_file.items():
        path = folder / file
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            write_workbook(sheets, path)
        elif suffix == ".sav":
            ((name, frame),) = sheets.items()
            coded, value_labels = _spss_coded(frame, export["values"], export["columns"])
            labels = {header: f"{column} ({name})" for column, header in export["columns"][name].items()}
            write_spss(
                coded, path, labels={h: t for h, t in labels.items() if h in coded.columns}, value_labels=value_labels
            )
        else:
            (frame,) = sheets.values()
            _write_csv(frame, path, export["dialect"])


def _spss_coded(frame: pd.DataFrame, values: Mapping, columns: Mapping) -> tuple:
    """Each coded text column (one with `values`) as numbers 1, 2, … with its codes as value
    labels, as SPSS keeps a coded variable."""
    renamed = {header for by_file in columns.values() for contract, header in by_file.items() if contract in values}
    frame = frame.copy()
    value_labels = {}
    for column in frame.columns:
        if column in renamed or column in values:
            codes = sorted(c for c in frame[column].dropna().unique())
            number = {code: float(i) for i, code in enumerate(codes, start=1)}
            frame[column] = frame[column].map(number).astype("float64")
            value_labels[column] = {n: code for code, n in number.items()}
    return frame, value_labels


def _write_csv(frame: pd.DataFrame, path: Path, dialect: Mapping[str, Any]) -> None:
    """The frame as the dialect writes it: separator, decimal mark, encoding, ISO dates."""
    columns = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = pa.array(values.dt.strftime("%Y-%m-%d"), type=pa.string(), from_pandas=True)
        elif pd.api.types.is_numeric_dtype(values):
            text = pc.cast(pa.array(values, from_pandas=True), pa.string())
            if dialect["decimal"] != ".":
                text = pc.replace_substring(text, ".", dialect["decimal"])
        else:
            text = pa.array(values, type=pa.string(), from_pandas=True)
        columns[str(column)] = text
    write_delimited(pa.table(columns), path, dialect["separator"], dialect["encoding"])
