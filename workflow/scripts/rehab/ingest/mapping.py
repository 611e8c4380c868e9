"""A clinic's export as it comes, mapped to the contract when it is read.

A cohort's config (`cohorts.<name>.export`, config/README.md) may say, per contract file,
where its source is (`files.<file>`: a CSV, an Excel sheet or an SPSS file), which source
column is which contract column (`columns.<file>`), which source codes mean which contract
values (`values.<column>`), which source columns to ignore (`ignore.<file>`), and that the
outcomes are wide (`outcomes.layout: wide`: one row per patient, a column per instrument
and time point). `read_export` reads every source (`rehab.ingest.sources`), checks that
everything declared is there (a did-you-mean message naming the config key otherwise) and
gives each file as a `MappedTable`: the contract's text columns, which validation checks
as it checks the contract's own CSV files.

Each row of a mapped table keeps where it came from: its key (`line` of the frame) is
`source line × rows per source row + time point index`, so a wide row's time points get
keys of their own while the source line is the key's quotient. Failures and quarantined
rows name the source file, the source line or row, the source header and the source value
(`MappedTable.source_lines`, `source_details`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rehab.core.errors import RawExportError
from rehab.core.export_contract import RAW_FILES, VISIT_FILE, column_types, source_name
from rehab.core.privacy import mask_text, shown
from rehab.core.study import Study
from rehab.core.suggestions import did_you_mean
from rehab.ingest.export_files import DEFAULT_MAX_RECORD_LINES
from rehab.ingest.reader import STRING_DTYPE
from rehab.ingest.sources import read_source

ASSESSMENT_DATE = "assessment_date"
MAPPING_COLUMNS = ["file", "source_file", "source_column", "label", "column", "timepoint", "values"]


# ----------------------------------------------------------------------------- the declaration


@dataclass(frozen=True)
class WideCell:
    """One source column of wide outcomes: the value of `column` (an instrument or the
    assessment date) at `timepoint`."""

    header: str
    column: str
    timepoint: str
    key: str  # the config key that declares it
    optional: bool = False


@dataclass(frozen=True)
class FileSource:
    """Where a contract file's rows come from and how its columns are named there."""

    name: str
    source: str  # the file in the export folder
    sheet: str | None = None
    value_labels: bool = True
    columns: Mapping[str, str] = field(default_factory=dict)  # contract column -> source header (declared)
    ignore: tuple[str, ...] = ()

    def header_of(self, column: str) -> str:
        return self.columns.get(column, column)


@dataclass(frozen=True)
class ExportMapping:
    """The mapping of one cohort's export (the config's `export` section, defaults filled)."""

    files: Mapping[str, FileSource]
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # column -> {source code: value}
    visits: bool = True
    wide: tuple[WideCell, ...] = ()  # the outcomes' wide layout; () for long
    cohort: str | None = None

    @property
    def key(self) -> str:
        return f"cohorts.{self.cohort or '<cohort>'}.export"

    @classmethod
    def of(cls, export: Mapping[str, Any], study: Study, cohort: str | None = None) -> ExportMapping:
        """The mapping of a cohort's `export` config as the config check gives it, every
        default of the schema's `export` filled in (`rehab.workflow.config_check`)."""
        files, columns, ignore = export["files"], export["columns"], export["ignore"]
        sources = {
            name: FileSource(
                name=name,
                source=source_name(files, name),
                sheet=files[name]["sheet"],
                value_labels=files[name]["value_labels"],
                columns={str(c): str(h) for c, h in columns[name].items()},
                ignore=tuple(str(h) for h in ignore[name]),
            )
            for name in RAW_FILES
        }
        values = {
            str(column): {str(code): str(value) for code, value in codes.items()}
            for column, codes in export["values"].items()
        }
        mapping = cls(files=sources, values=values, visits=export["visits"], cohort=cohort)
        outcomes = export["outcomes"]
        if outcomes["layout"] == "wide":
            mapping = replace(mapping, wide=wide_cells(outcomes, study, f"{mapping.key}.outcomes"))
        return mapping

    def is_mapped(self, name: str) -> bool:
        """Whether the file's columns are declared by the config (not the contract's own names)."""
        return bool(self.files[name].columns) or (name == "outcomes" and bool(self.wide))

    @property
    def per_row(self) -> int:
        """Long rows per source row of outcomes: the number of time points when wide."""
        return len(dict.fromkeys(cell.timepoint for cell in self.wide)) or 1


def wide_cells(outcomes: Mapping[str, Any], study: Study, key: str) -> tuple[WideCell, ...]:
    """The source columns of wide outcomes: an explicit `table`, else `pattern` for every
    instrument and time point (and `date_pattern` for the assessment dates)."""
    optional = {i.name for i in study.instruments if i.optional} | {t.name for t in study.timepoints if t.optional}
    order = {timepoint: index for index, timepoint in enumerate(study.timepoint_names)}
    if outcomes.get("table"):
        cells = [
            WideCell(
                str(header),
                spec["column"],
                spec["timepoint"],
                f"{key}.table.{header}",
                spec["column"] in optional or spec["timepoint"] in optional,
            )
            for header, spec in outcomes["table"].items()
        ]
        _check_table(cells, study, f"{key}.table")
    else:
        names = {**{n: n for n in (*study.instrument_names, *study.timepoint_names)}, **outcomes["names"]}
        patterns = [(name, outcomes["pattern"], f"{key}.pattern") for name in study.instrument_names]
        if outcomes["date_pattern"]:
            patterns.append((ASSESSMENT_DATE, outcomes["date_pattern"], f"{key}.date_pattern"))
        cells = [
            WideCell(
                pattern.format(instrument=names.get(column, column), timepoint=names[timepoint]),
                column,
                timepoint,
                where,
                column in optional or timepoint in optional,
            )
            for column, pattern, where in patterns
            for timepoint in study.timepoint_names
        ]
    return tuple(sorted(cells, key=lambda cell: order[cell.timepoint]))


def _check_table(cells: list[WideCell], study: Study, key: str) -> None:
    for cell in cells:
        if cell.column not in (*study.instrument_names, ASSESSMENT_DATE):
            raise RawExportError(
                f"config key {cell.key}.column: {cell.column!r} is not a declared instrument or {ASSESSMENT_DATE}"
                f"{did_you_mean(cell.column, [*study.instrument_names, ASSESSMENT_DATE])}."
            )
        if cell.timepoint not in study.timepoint_names:
            raise RawExportError(
                f"config key {cell.key}.timepoint: {cell.timepoint!r} is not a declared time point"
                f"{did_you_mean(cell.timepoint, list(study.timepoint_names))}."
            )
    pairs = [(cell.column, cell.timepoint) for cell in cells]
    if len(set(pairs)) != len(pairs):
        raise RawExportError(f"config key {key}: two source columns hold the same instrument and time point")


# ----------------------------------------------------------------------------- absent names


def _absent(what: str, name: str, key: str, where: str, candidates: list[str], optional_hint: str = "") -> str:
    return (
        f"config key {key}: {what} {shown(name)} is not in {where}{did_you_mean(name, candidates) or '.'} "
        f"Fix the config key{optional_hint}, or export the file with that column."
    )


# ----------------------------------------------------------------------------- the mapped table


@dataclass
class MappedTable:
    """One contract file read from its source and mapped: the reader's `RawTable` shape, keyed
    by `line` = source line × `per_row` + time point index."""

    name: str
    path: Path
    frame: pd.DataFrame  # line (the key) + the contract's text columns
    rows_read: int
    physical_lines: int
    unknown_columns: list[str]
    source: Any = None  # the source table (RawTable or SheetTable); None when the file is absent
    file: FileSource | None = None
    per_row: int = 1
    timepoints: tuple[str, ...] = ()  # of a wide table, by time point index
    headers: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (column, timepoint or "") -> header
    malformed: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"line": [], "n_fields": [], "expected_fields": []}, dtype="int64")
    )
    unbalanced: pd.DataFrame | None = None
    absent: bool = False  # the cohort has no such file (a cohort without a visit file)

    @property
    def header(self) -> list[str]:
        return list(self.source.header) if self.source is not None else []

    @property
    def source_file(self) -> str:
        """The source as a reviewer finds it: file name, and the sheet of a workbook."""
        if self.source is None:
            return ""
        sheet = getattr(self.source, "sheet", None)
        return self.path.name + (f" [{sheet}]" if sheet else "")

    def source_lines(self, keys) -> np.ndarray:
        return np.asarray(keys, dtype=np.int64) // self.per_row

    def records(self, keys) -> pd.Series:
        """The verbatim source record of each key's source row (index = key)."""
        keys = np.asarray(keys, dtype=np.int64)
        lines = self.source_lines(keys)
        distinct = np.unique(lines)
        texts = self.source.records(distinct) if len(distinct) else pd.Series([], dtype=STRING_DTYPE)
        return pd.Series(texts.reindex(lines).to_numpy(), index=pd.Index(keys, name="line"), dtype=STRING_DTYPE)

    def source_details(self, keys, columns) -> pd.DataFrame:
        """source_column and source_value (as in the source, before any code was mapped) of
        the contract `columns` at `keys`; empty where a failure has no column."""
        keys = np.asarray(keys, dtype=np.int64)
        columns = np.asarray(columns, dtype=object)
        out = pd.DataFrame({"source_column": np.full(len(keys), "", dtype=object), "source_value": pd.NA})
        if self.source is None or not len(keys):
            return out
        timepoint_index = keys % self.per_row
        lines = keys // self.per_row
        source = self.source.frame.set_index("line")
        for (column, index), at in (
            pd.DataFrame({"c": columns, "t": timepoint_index}).groupby(["c", "t"]).indices.items()
        ):
            timepoint = self.timepoints[index] if self.timepoints else ""
            header = self.headers.get((column, timepoint)) or self.headers.get((column, ""))
            if not header:
                continue
            out.loc[at, "source_column"] = header
            if header in source.columns:
                out.loc[at, "source_value"] = source[header].reindex(lines[at]).to_numpy(dtype=object, na_value=pd.NA)
        return out

    def column_status(self) -> pd.DataFrame:
        """columns.csv rows: each contract column present or absent (with its source column),
        then the source's unknown and ignored columns."""
        columns = ["file", "column", "status", "source_column"]
        if self.absent:
            return pd.DataFrame([(self.name, "", "no file", "")], columns=columns)
        header = set(self.header)
        rows = []
        for column in self.frame.columns:
            if column == "line":
                continue
            headers = [h for (c, _), h in self.headers.items() if c == column]
            present = [h for h in headers if h in header]
            derived = column == "timepoint" and self.per_row > 1 and not headers
            status = "present" if present or derived else "absent"
            rows.append((self.name, column, status, ", ".join(present or headers)))
        ignored = set(self.file.ignore) if self.file else set()
        rows += [(self.name, h, "ignored" if h in ignored else "unknown", h) for h in self.unknown_columns]
        return pd.DataFrame(rows, columns=columns)


def absent_table(name: str, contract_columns: list[str]) -> MappedTable:
    """A contract file the cohort does not have: no rows (its analyses are omitted)."""
    frame = pd.DataFrame({"line": pd.array([], dtype="int64")})
    for column in contract_columns:
        frame[column] = pd.array([], dtype=STRING_DTYPE)
    return MappedTable(
        name=name, path=Path(f"{name}.csv"), frame=frame, rows_read=0, physical_lines=0, unknown_columns=[], absent=True
    )


# ----------------------------------------------------------------------------- reading


def read_export(
    folder: str | Path,
    dialect: Mapping,
    study: Study,
    contract,
    mapping: ExportMapping,
    study_keys: Mapping[str, str] | None = None,
    max_record_lines: int = DEFAULT_MAX_RECORD_LINES,
) -> dict[str, MappedTable]:
    """Every contract file of the export, read from its source and mapped (file-level errors
    and declared-but-absent columns raise RawExportError, before any row is validated).

    `contract` is the study's `schemas.raw_export.RawContract`; `study_keys` names the config
    key of each study section (`instruments`, `timepoints`) for the messages."""
    keys = {"instruments": "study.instruments", "timepoints": "study.timepoints", **(study_keys or {})}
    tables = {}
    for name in RAW_FILES:
        columns = contract.required_columns(name)
        if name == VISIT_FILE and not mapping.visits:
            tables[name] = absent_table(name, list(columns))
            continue
        tables[name] = _read_file(Path(folder), name, dict(dialect), study, columns, mapping, keys, max_record_lines)
    return tables


def _read_file(
    folder: Path,
    name: str,
    dialect: dict,
    study: Study,
    columns: dict[str, bool],
    mapping: ExportMapping,
    keys: Mapping[str, str],
    max_record_lines: int,
) -> MappedTable:
    file = mapping.files[name]
    wide = mapping.wide if name == "outcomes" else ()
    headers = _source_headers(file, columns, wide)
    # A mapped file's columns are checked here, naming the config keys; the CSV reader checks the contract's own.
    mapped = mapping.is_mapped(name)
    wanted = {header: columns.get(column, False) and not mapped for (column, _), header in headers.items()}
    types = column_types()
    dates = {header for (column, _), header in headers.items() if types.get(column) == "date"}
    source = read_source(
        folder / file.source,
        name,
        dialect,
        mapping.cohort,
        wanted,
        date_columns=dates,
        sheet=file.sheet,
        value_labels=file.value_labels,
        max_record_lines=max_record_lines,
    )
    _check_declared(source, name, file, columns, headers, mapping, study, keys, wide)
    table = (
        _wide_table(source, file, columns, headers, mapping, study)
        if wide
        else _long_table(source, file, columns, headers)
    )
    table.frame = _mapped_values(table.frame, mapping.values)
    if name == "outcomes" and not wide:
        _check_timepoint_values(table, study, keys["timepoints"])
    return table


def _source_headers(file: FileSource, columns: Mapping[str, bool], wide: tuple[WideCell, ...]) -> dict:
    """(contract column, time point or "") -> source header of every column read."""
    headers = {}
    for column in columns:
        if wide and (column == "timepoint" or any(cell.column == column for cell in wide)):
            continue
        headers[(column, "")] = file.header_of(column)
    headers.update({(cell.column, cell.timepoint): cell.header for cell in wide})
    return headers


def _check_declared(
    source,
    name: str,
    file: FileSource,
    columns: Mapping[str, bool],
    headers: Mapping[tuple[str, str], str],
    mapping: ExportMapping,
    study: Study,
    keys: Mapping[str, str],
    wide: tuple[WideCell, ...],
) -> None:
    """Stop, naming the config key, when something declared is not in the source's header."""
    header = list(source.header)
    present = set(header)
    where = f"the header of {mask_text(file.source)}"
    unknown = [h for h in header if h not in set(headers.values())]
    for column, declared in file.columns.items():
        if column not in columns:
            raise RawExportError(
                f"config key {mapping.key}.columns.{name}.{column}: {column!r} is not a column of the contract's "
                f"{name} file{did_you_mean(column, list(columns))}."
            )
        if declared not in present:
            raise RawExportError(
                _absent("the source column", declared, f"{mapping.key}.columns.{name}.{column}", where, unknown)
            )
    for cell in wide:
        if cell.header not in present and not cell.optional:
            hint = f" (or mark {cell.column if cell.column != ASSESSMENT_DATE else cell.timepoint} `optional: true` in the study)"
            raise RawExportError(
                _absent(f"the {cell.column} column of {cell.timepoint},", cell.header, cell.key, where, unknown, hint)
            )
    for ignored in file.ignore:
        if ignored not in present:
            raise RawExportError(_absent("the ignored column", ignored, f"{mapping.key}.ignore.{name}", where, unknown))
    missing = [
        c for c, required in columns.items() if required and (c, "") in headers and headers[(c, "")] not in present
    ]
    if missing:
        raise RawExportError(
            f"Raw export file {mask_text(file.source)} lacks the required column(s) "
            f"{', '.join(mask_text(headers[(c, '')]) for c in missing)} (contract column(s) {', '.join(missing)}): "
            f"name its source column under {mapping.key}.columns.{name}{did_you_mean(headers[(missing[0], '')], unknown)}"
        )
    if name == "outcomes" and not wide:
        for instrument in study.instruments:
            source_header = file.header_of(instrument.name)
            if source_header not in present and not instrument.optional:
                key = (
                    f"{mapping.key}.columns.outcomes.{instrument.name}"
                    if instrument.name in file.columns
                    else f"{keys['instruments']}.{instrument.name}"
                )
                raise RawExportError(
                    _absent(
                        "the declared instrument",
                        source_header,
                        key,
                        where,
                        unknown,
                        " (or mark the instrument `optional: true` when this export does not measure it)",
                    )
                )


def _check_timepoint_values(table: MappedTable, study: Study, key: str) -> None:
    """A declared time point that no row of a long outcomes file names, while rows name an
    undeclared time point close to it, is a misspelling in the declaration or the export: stop
    (unless it is optional). Otherwise it is a time point without data (yet), and a row naming
    an undeclared time point is quarantined by validation as any unknown level is."""
    seen = table.frame["timepoint"].dropna().unique().tolist()
    undeclared = [str(value) for value in seen if str(value) not in study.timepoint_names]
    for index, timepoint in enumerate(study.timepoints):
        values = undeclared
        if timepoint.name not in seen and not timepoint.optional and did_you_mean(timepoint.name, values):
            raise RawExportError(
                f"config key {key}[{index}].name: the declared time point {timepoint.name!r} is the timepoint of no "
                f"row of {mask_text(table.path.name)}{did_you_mean(timepoint.name, values) or '.'} Fix the declaration or the "
                "export's time point values (export.values.timepoint maps the export's own), or mark the time point "
                "`optional: true` when this export has no data for it yet."
            )


def _long_table(source, file: FileSource, columns: Mapping[str, bool], headers: Mapping) -> MappedTable:
    frame = pd.DataFrame({"line": source.frame["line"].to_numpy(dtype=np.int64)})
    for column in columns:
        header = headers[(column, "")]
        frame[column] = (
            source.frame[header]
            if header in source.frame.columns
            else pd.array([pd.NA] * len(frame), dtype=STRING_DTYPE)
        )
    return MappedTable(
        name=source.name,
        path=Path(source.path),
        frame=frame,
        rows_read=source.rows_read,
        physical_lines=source.physical_lines,
        unknown_columns=[h for h in source.unknown_columns],
        source=source,
        file=file,
        headers=dict(headers),
        malformed=source.malformed,
        unbalanced=getattr(source, "unbalanced", None),
    )


def _wide_table(
    source, file: FileSource, columns: Mapping[str, bool], headers: Mapping, mapping: ExportMapping, study: Study
) -> MappedTable:
    """One long row per source row and time point that has any value (an instrument or the
    assessment date); a time point with none is no row, as in a long export."""
    timepoints = tuple(dict.fromkeys(cell.timepoint for cell in mapping.wide))
    per_row = len(timepoints)
    lines = source.frame["line"].to_numpy(dtype=np.int64)
    patient = source.frame[headers[("patient_id", "")]] if headers[("patient_id", "")] in source.frame.columns else None
    parts = []
    for index, timepoint in enumerate(timepoints):
        part = {"line": lines * per_row + index}
        any_value = np.zeros(len(lines), dtype=bool)
        for column in columns:
            if column == "patient_id":
                continue
            if column == "timepoint":
                part[column] = pa.array(np.full(len(lines), timepoint, dtype=object), type=pa.large_string())
                continue
            header = headers.get((column, timepoint))
            if header and header in source.frame.columns:
                values = pa.array(source.frame[header].array, from_pandas=True)
                any_value |= values.is_valid().to_numpy(zero_copy_only=False)
            else:
                values = pa.nulls(len(lines), pa.large_string())
            part[column] = values
        keep = pa.array(any_value)
        patient_ids = (
            pa.array(patient.array, from_pandas=True)
            if patient is not None
            else pa.nulls(len(lines), pa.large_string())
        )
        parts.append(
            pd.DataFrame(
                {
                    "line": part["line"][any_value],
                    "patient_id": pd.array(patient_ids.filter(keep), dtype=STRING_DTYPE),
                    **{
                        c: pd.array(part[c].filter(keep), dtype=STRING_DTYPE)
                        for c in columns
                        if c not in ("patient_id",)
                    },
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True).sort_values("line", ignore_index=True, kind="stable")
    frame = frame[["line", *columns]]
    malformed = source.malformed.assign(line=source.malformed["line"].to_numpy(dtype=np.int64) * per_row)
    unbalanced = getattr(source, "unbalanced", None)
    if unbalanced is not None and len(unbalanced):
        unbalanced = unbalanced.assign(line=unbalanced["line"].to_numpy(dtype=np.int64) * per_row)
    n_bad = len(malformed) + (len(unbalanced) if unbalanced is not None else 0)
    return MappedTable(
        name=source.name,
        path=Path(source.path),
        frame=frame,
        rows_read=len(frame) + n_bad,
        physical_lines=source.physical_lines,
        unknown_columns=list(source.unknown_columns),
        source=source,
        file=file,
        per_row=per_row,
        timepoints=timepoints,
        headers=dict(headers),
        malformed=malformed,
        unbalanced=unbalanced,
    )


def _mapped_values(frame: pd.DataFrame, values: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """Each declared source code replaced by its contract value; other values as they are."""
    for column, codes in values.items():
        if column not in frame.columns or not codes:
            continue
        texts = pa.array(frame[column].array, from_pandas=True).cast(pa.large_string())
        at = pc.index_in(texts, value_set=pa.array(list(codes), type=pa.large_string()))
        mapped = pa.array(list(codes.values()), type=pa.large_string()).take(at)
        frame[column] = pd.array(pc.if_else(at.is_valid(), mapped, texts), dtype=STRING_DTYPE)
    return frame


# ----------------------------------------------------------------------------- the mapping as a table


def mapping_table(tables: Mapping[str, MappedTable], mapping: ExportMapping) -> pd.DataFrame:
    """validation/mapping.csv: each contract column with the source file, source column, its
    variable label (SPSS) and the codes mapped to its values (masked when written)."""
    rows = []
    for name, table in tables.items():
        if table.absent:
            rows.append((name, "", "", "", "", "", "no file: the cohort has no " + name + " export"))
            continue
        labels = getattr(table.source, "labels", {}) or {}
        for (column, timepoint), header in table.headers.items():
            codes = mapping.values.get(column) or {}
            shown = "; ".join(f"{code} → {value}" for code, value in codes.items())
            rows.append((name, table.source_file, header, labels.get(header, ""), column, timepoint, shown))
        if table.per_row > 1:
            rows.append((name, table.source_file, "", "", "timepoint", "", "one row per time point of each source row"))
        for header in table.unknown_columns:
            status = "ignored" if table.file and header in table.file.ignore else "unknown: not carried"
            rows.append((name, table.source_file, header, labels.get(header, ""), "", "", status))
    return pd.DataFrame(rows, columns=MAPPING_COLUMNS)
