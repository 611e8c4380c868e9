"""Read one raw export CSV file (the input contract) into text columns with line numbers.

The reader works on the file's bytes with numpy instead of a CSV parser so that it can tell
on which physical line every record starts, set aside records with the wrong number of
fields instead of failing, and stay vectorized at registry scale (millions of rows):

1. decode the file in the declared encoding (a file-level error names the byte and line if
   it cannot be) and work on its UTF-8 bytes, where separator, `"` and newline are ASCII;
2. find the double quotes that act as quotes (RFC 4180: a field may be quoted, `""` inside
   it is a quote), newlines outside quotes end records and separators outside quotes split
   fields (quote-count parity via np.searchsorted);
3. drop blank records, count fields per record (np.bincount), keep the records with the
   header's number of fields and cut their fields out of the byte buffer as an Arrow string
   array (no copy of the file, no per-row Python);
4. strip whitespace, unquote, and map empty fields and configured tokens to missing with
   pyarrow.compute.

Nothing is converted: decimal commas, numbers and dates stay text for the validation stage.
"""

from __future__ import annotations

import codecs
import logging
from dataclasses import dataclass, field
from pathlib import Path
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rehab.errors import RawExportError

log = logging.getLogger("rehab")

# file -> {column: required}, in the contract's order (docs: the raw export contract).
CONTRACT_COLUMNS: dict[str, dict[str, bool]] = {
    "patients": {
        "patient_id": True,
        "sex": True,
        "age": True,
        "height_cm": False,
        "weight_kg": False,
        "smoker": False,
        "pain_onset_date": False,
        "program_start_date": True,
        "discharge_date": False,
        "pain_distribution": False,
        "main_pain_location": False,
        "ability_to_reduce_pain": False,
        "activity_minutes_week": False,
        "eq5d_version": False,
        "eq5d_anxiety_depression": False,
        "rehab_goals": False,
    },
    "sessions": {
        "patient_id": True,
        "session_date": True,
        "interventions": False,
    },
    "outcomes": {  # then one optional column per instrument of the study: read_raw_table(columns=...)
        "patient_id": True,
        "timepoint": True,
        "assessment_date": False,
    },
}

# Files that may hold a header and no data rows.
MAY_BE_EMPTY = {"sessions", "outcomes"}

STRING_DTYPE = pd.StringDtype("pyarrow")
WHITESPACE = " \t\u00a0"  # stripped around values and column names
COMMON_SEPARATORS = [",", ";", "\t", "|"]
UTF8_BOM = b"\xef\xbb\xbf"
QUOTE, NEWLINE, CR = ord('"'), ord("\n"), ord("\r")
# UTF-8 bytes of the whitespace a blank line may hold (NBSP is C2 A0).
BLANK_BYTES = [ord(" "), ord("\t"), CR, NEWLINE, 0xC2, 0xA0]


@dataclass
class RawTable:
    """One raw export file read as text: well-formed records, malformed ones, and the header."""

    name: str
    path: Path
    frame: pd.DataFrame
    malformed: pd.DataFrame
    unknown_columns: list[str]
    rows_read: int
    header: list[str] = field(default_factory=list)  # every column name of the header, in file order
    # Where every data record lies in the file's UTF-8 bytes, for records().
    _buffer: bytes = field(default=b"", repr=False)
    _record_lines: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64), repr=False)
    _record_starts: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64), repr=False)
    _record_ends: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64), repr=False)

    def records(self, lines) -> pd.Series:
        """The verbatim text of the data records starting at `lines` (index = line), no newline."""
        wanted = np.array(lines, dtype=np.int64, ndmin=1)
        known = np.append(self._record_lines, -1)  # -1: a sentinel past the last record
        at = np.searchsorted(self._record_lines, wanted)
        found = known[at] == wanted
        if not found.all():
            raise KeyError(f"{self.path}: no data record starts on line(s) {wanted[~found].tolist()}")
        texts = _slice_strings(pa.py_buffer(self._buffer), self._record_starts[at], self._record_ends[at])
        return pd.Series(pd.array(texts, dtype=STRING_DTYPE), index=pd.Index(wanted, name="line"), name="record")


# --------------------------------------------------------------------------- entry point


def read_raw_table(
    path: str | Path, name: str, dialect: dict, cohort: str | None = None, columns: dict[str, bool] | None = None
) -> RawTable:
    """Read one raw export file of the contract (`name`: patients, sessions or outcomes).

    `dialect` holds separator, decimal, encoding and missing_values as in the cohort's
    export config; `cohort` only names the config keys in error messages; `columns`
    ({column: required}) replaces the file's CONTRACT_COLUMNS (the study's outcomes columns).
    Raises RawExportError for a file that cannot be read as the contract.
    """
    contract = columns or CONTRACT_COLUMNS[name]
    path = Path(path)
    where = _ConfigKeys(cohort)
    separator = dialect.get("separator", ",")
    buffer = _lf_line_endings(_read_utf8(path, dialect.get("encoding", "utf-8"), where), path)
    sep = _separator_byte(separator, path, where)
    layout = _Layout.of(buffer, sep)
    if layout.n_records == 0:
        raise RawExportError(
            f"Raw export file {path} is empty: it has no header row. Export the file again with "
            f"its header row of column names ({', '.join(contract)})."
        )
    header = _header_names(layout, buffer)
    positions = _check_header(header, name, path, separator, dialect, where, layout.header_text(buffer), contract)
    table = _build_table(layout, buffer, header, positions, name, path, dialect, contract)
    if table.rows_read == 0 and name not in MAY_BE_EMPTY:
        raise RawExportError(
            f"Raw export file {path} has a header but no data rows: {name}.csv needs at least "
            "one row. Check that the export ran to completion and export the file again."
        )
    log.info(
        "%s: %d rows read, %d with the wrong number of fields, unknown columns: %s",
        path, table.rows_read, len(table.malformed), ", ".join(table.unknown_columns) or "none",
    )
    return table


class _ConfigKeys:
    """Names the dialect keys of the cohort's export config in messages."""

    def __init__(self, cohort: str | None):
        self.cohort = cohort
        self.prefix = f"cohorts.{cohort or '<cohort>'}.export.dialect"

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}"


# --------------------------------------------------------------------------- decoding


def check_file_present(path: str | Path, cohort: str | None = None) -> None:
    """Raise the file-level error for a raw export file that is not there."""
    path = Path(path)
    if not path.is_file():
        raise RawExportError(
            f"Raw export file {path} is missing (or is not a file). The export folder must hold "
            "patients.csv, sessions.csv and outcomes.csv: put the file there or fix "
            f"cohorts.{cohort or '<cohort>'}.export.path in the config."
        )


def _read_utf8(path: Path, encoding: str, where: _ConfigKeys) -> bytes:
    """The file's text as UTF-8 bytes without a byte-order mark; file-level errors raised."""
    check_file_present(path, where.cohort)
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise RawExportError(
            f"Raw export file {path} cannot be read: the declared encoding {encoding!r} is not a "
            f"known text encoding. Set {where.key('encoding')} to a Python codec name such as "
            "utf-8 or cp1252."
        ) from None
    data = path.read_bytes()
    if codec in ("utf-8", "utf-8-sig"):
        data = data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data
        _decode(data, "utf-8", path, encoding, where)  # validates only
        return data
    if data.startswith(UTF8_BOM):
        raise RawExportError(
            f"Raw export file {path} starts with a UTF-8 byte-order mark but the declared "
            f"encoding is {encoding}: its text would be misread. Set {where.key('encoding')}: "
            "utf-8 in the config (or export the file again as " + encoding + ")."
        )
    text = _decode(data, codec, path, encoding, where)
    return text.removeprefix("\ufeff").encode("utf-8")


def _decode(data: bytes, codec: str, path: Path, encoding: str, where: _ConfigKeys) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        bad = data[error.start:error.start + 1].hex().upper()
        raise RawExportError(
            f"Raw export file {path} is not valid {encoding} (the declared encoding): byte "
            f"0x{bad} at byte offset {error.start} (line {line}) cannot be decoded. "
            f"{_encoding_fix(data, codec, where)}"
        ) from None


def _encoding_fix(data: bytes, codec: str, where: _ConfigKeys) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (
            f"The file starts with a UTF-16 byte-order mark (\"Unicode text\"): set "
            f"{where.key('encoding')}: utf-16 in the cohort's export config, or save it as UTF-8."
        )
    for candidate in ("utf-8", "cp1252"):
        if candidate != codec and _decodes(data, candidate):
            return (
                f"The file reads as {candidate}: set {where.key('encoding')}: {candidate} in the "
                "cohort's export config (Swedish spreadsheet exports are often cp1252)."
            )
    return (
        f"Set {where.key('encoding')} in the cohort's export config to the encoding the file "
        "was saved in (e.g. utf-8 or cp1252), or export the file again in the declared encoding."
    )


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _lf_line_endings(buffer: bytes, path: Path) -> bytes:
    """A file whose lines all end with a lone CR (old Mac spreadsheets) read as LF lines."""
    if b"\n" in buffer or b"\r" not in buffer:
        return buffer
    log.warning("%s: lines end with a lone carriage return (old Mac format); read as line ends", path)
    return buffer.replace(b"\r", b"\n")


def _separator_byte(separator: str, path: Path, where: _ConfigKeys) -> int:
    if len(separator) != 1 or ord(separator) > 127 or separator in '"\r\n':
        raise RawExportError(
            f"Raw export file {path} cannot be read with the separator {separator!r}: the "
            f"separator must be one ASCII character other than a quote or newline. Set "
            f"{where.key('separator')} (e.g. \",\" or \";\")."
        )
    return ord(separator)


# --------------------------------------------------------------------------- record layout


@dataclass
class _Layout:
    """Where the non-blank records and their outside-quote separators lie in the buffer."""

    starts: np.ndarray  # first byte of each non-blank record
    ends: np.ndarray  # end (exclusive) of its content: no newline, no CR of a CRLF
    lines: np.ndarray  # physical line on which it starts (1-based)
    separators: np.ndarray  # separators outside quotes, in byte order
    record_of_separator: np.ndarray  # index (into starts) of each separator's record
    has_quotes: bool

    @property
    def n_records(self) -> int:
        return len(self.starts)

    @classmethod
    def of(cls, buffer: bytes, sep: int) -> "_Layout":
        data = np.frombuffer(buffer, dtype=np.uint8)
        quotes = _active_quotes(data, sep)
        newlines = np.flatnonzero(data == NEWLINE)
        ends_at = newlines[_outside(quotes, newlines)]
        starts = np.concatenate([[0], ends_at + 1])
        stops = np.concatenate([ends_at, [len(data)]])  # the last record may lack a newline
        if starts[-1] == len(data):  # file ends with a newline: no record after it
            starts, stops = starts[:-1], stops[:-1]
        nonblank = _nonblank(data, starts, sep) if len(starts) else np.zeros(0, bool)
        starts, stops = starts[nonblank], stops[nonblank]
        lines = np.searchsorted(newlines, starts) + 1
        ends = stops - ((stops > starts) & (data[np.maximum(stops - 1, 0)] == CR))
        separators = np.flatnonzero(data == sep)
        separators = separators[_outside(quotes, separators)]
        # a separator makes its record non-blank, so every separator lies in one of `starts`
        record = np.searchsorted(starts, separators, side="right") - 1
        return cls(
            starts=starts.astype(np.int64),
            ends=ends.astype(np.int64),
            lines=lines.astype(np.int64),
            separators=separators,
            record_of_separator=record,
            has_quotes=len(quotes) > 0,
        )

    def field_counts(self) -> np.ndarray:
        return np.bincount(self.record_of_separator, minlength=self.n_records) + 1

    def header_text(self, buffer: bytes) -> str:
        return buffer[self.starts[0]:self.ends[0]].decode("utf-8")


def _outside(quotes: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """True where a position lies outside quotes (an even number of quotes before it)."""
    if len(quotes) == 0:
        return np.ones(len(positions), bool)
    return np.searchsorted(quotes, positions) % 2 == 0


def _nonblank(data: np.ndarray, starts: np.ndarray, sep: int) -> np.ndarray:
    """True for records holding anything but whitespace (a separator counts as content)."""
    is_content = np.ones(256, bool)
    is_content[BLANK_BYTES] = False
    is_content[sep] = True
    return np.logical_or.reduceat(is_content[data], starts)


def _active_quotes(data: np.ndarray, sep: int) -> np.ndarray:
    """Positions of the double quotes that open or close a quoted field or escape a quote.

    A well-formed RFC 4180 file is recognised vectorized; otherwise (a quote inside an
    unquoted field, whitespace around a quoted field, an unclosed quote) the quotes are
    scanned one by one, which only such malformed files pay for.
    """
    quotes = np.flatnonzero(data == QUOTE)
    if len(quotes) == 0 or _quotes_follow_rfc(data, quotes, sep):
        return quotes
    return _scan_quotes(data, quotes, sep)


def _quotes_follow_rfc(data: np.ndarray, quotes: np.ndarray, sep: int) -> bool:
    """Every odd quote opens a field right after a separator/newline; every even one closes it."""
    if len(quotes) % 2:
        return False
    openers, closers = quotes[0::2], quotes[1::2]
    before = data[np.maximum(openers - 1, 0)]
    after = data[np.minimum(closers + 1, len(data) - 1)]
    escaped_before = np.concatenate([[False], openers[1:] - 1 == closers[:-1]])
    escaped_after = np.concatenate([closers[:-1] + 1 == openers[1:], [False]])
    opens_ok = (openers == 0) | (before == sep) | (before == NEWLINE) | escaped_before
    closes_ok = (closers == len(data) - 1) | (after == sep) | (after == NEWLINE) | (after == CR) | escaped_after
    return bool(opens_ok.all() and closes_ok.all())


def _scan_quotes(data: np.ndarray, quotes: np.ndarray, sep: int) -> np.ndarray:
    """The quotes that act as quotes, read like a CSV parser: a quote opens a field only at
    its start (whitespace allowed before it), `""` inside is an escaped quote, the next
    single quote closes it. An opening quote never closed is read as a literal character."""
    active: list[int] = []
    i, n = 0, len(quotes)
    while i < n:
        p = int(quotes[i])
        if not _at_field_start(data, p, sep):
            i += 1
            continue
        closing = _closing_quote(quotes, i)
        if closing is None:  # never closed: literal, go on after it
            i += 1
            continue
        active.extend(int(q) for q in quotes[i:closing + 1])
        i = closing + 1
    return np.asarray(active, dtype=np.int64)


def _closing_quote(quotes: np.ndarray, opener: int) -> int | None:
    """Index of the quote closing the field opened at quotes[opener], skipping `""` pairs."""
    j, n = opener + 1, len(quotes)
    while j < n:
        if j + 1 < n and quotes[j + 1] == quotes[j] + 1:
            j += 2
            continue
        return j
    return None


def _at_field_start(data: np.ndarray, position: int, sep: int) -> bool:
    j = position - 1
    while j >= 0 and data[j] != sep and data[j] in (0x20, 0x09, 0xA0, 0xC2):
        j -= 1
    return j < 0 or data[j] == sep or data[j] == NEWLINE


# --------------------------------------------------------------------------- header


def _header_names(layout: _Layout, buffer: bytes) -> list[str]:
    n_fields = int(layout.field_counts()[0])
    fields = _field_texts(layout, buffer, np.array([0]), n_fields, list(range(n_fields)))
    return [_unquote(column, layout.has_quotes)[0].as_py() for column in fields]


def _check_header(
    header: list[str], name: str, path: Path, separator: str, dialect: dict, where: _ConfigKeys, raw: str,
    contract: dict[str, bool],
) -> dict[str, int]:
    """Contract column -> position in the header; file-level errors for a header we cannot use."""
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise RawExportError(
            f"Raw export file {path} has duplicate column name(s) in its header: "
            f"{', '.join(map(repr, duplicated))}. Each column must appear once: rename or remove "
            "the extra column(s) and export the file again."
        )
    missing = [c for c, required in contract.items() if required and c not in header]
    if missing:
        _raise_wrong_separator(header, name, path, separator, dialect, where, raw)
        found = _shorten(", ".join(repr(c) for c in header))
        near = [f"{c!r} (is it {m!r}? names are case-sensitive)" for m in missing for c in header
                if c != m and c.lower() == m.lower()]
        raise RawExportError(
            f"Raw export file {path} lacks the required column(s) {', '.join(missing)}; the "
            f"columns found are: {found}. Export the file with these columns named exactly as "
            "in the contract (order free)" + (f"; note {'; '.join(near)}" if near else "") + "."
        )
    return {c: header.index(c) for c in contract if c in header}


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


def _raise_wrong_separator(
    header: list[str], name: str, path: Path, separator: str, dialect: dict, where: _ConfigKeys, raw: str
) -> None:
    required = [c for c, req in CONTRACT_COLUMNS[name].items() if req]
    for candidate in COMMON_SEPARATORS:
        if candidate == separator:
            continue
        names = {n.strip(WHITESPACE).strip('"').strip(WHITESPACE) for n in raw.split(candidate)}
        if all(c in names for c in required):
            raise RawExportError(
                f"Raw export file {path} does not split into the contract's columns with the "
                f"separator {separator!r}: its header reads {_shorten(raw, 200)!r}, which does split with "
                f"{candidate!r}. Set {where.key('separator')}: {_yaml(candidate)} in the cohort's "
                f"export config.{_decimal_hint(candidate, dialect, where)}"
            )


def _decimal_hint(separator: str, dialect: dict, where: _ConfigKeys) -> str:
    decimal = dialect.get("decimal", ".")
    if separator == ";" and decimal == ".":
        return (
            f" Files separated by ';' (Swedish spreadsheet exports) usually write decimals with a "
            f"comma: then also set {where.key('decimal')}: \",\" (and {where.key('encoding')}: "
            "cp1252 if the file was saved by such a program)."
        )
    if separator == "," and decimal == ",":
        return (
            f" With ',' between fields the decimal mark is usually '.': check "
            f"{where.key('decimal')} (currently \",\")."
        )
    return ""


def _yaml(separator: str) -> str:
    return '"\\t"' if separator == "\t" else f'"{separator}"'


# --------------------------------------------------------------------------- fields


def _build_table(
    layout: _Layout, buffer: bytes, header: list[str], columns: dict[str, int], name: str, path: Path,
    dialect: dict, contract: dict[str, bool],
) -> RawTable:
    expected = len(header)
    data_records = np.arange(1, layout.n_records)
    counts = layout.field_counts()[1:]
    good = data_records[counts == expected]
    fields = dict(zip(columns, _field_texts(layout, buffer, good, expected, list(columns.values()))))
    missing_tokens = _missing_tokens(dialect)
    frame = pd.DataFrame({"line": pd.array(layout.lines[good], dtype="int64")})
    for column in contract:
        if column in fields:
            values = _clean(fields.pop(column), missing_tokens, layout.has_quotes)
            frame[column] = pd.array(values, dtype=STRING_DTYPE)
        else:
            frame[column] = pd.array([None] * len(good), dtype=STRING_DTYPE)
    bad = counts != expected
    malformed = pd.DataFrame({
        "line": layout.lines[1:][bad].astype(np.int64),
        "n_fields": counts[bad].astype(np.int64),
        "expected_fields": np.full(int(bad.sum()), expected, dtype=np.int64),
    })
    return RawTable(
        name=name,
        path=path,
        frame=frame,
        malformed=malformed,
        unknown_columns=[c for c in header if c not in contract],
        rows_read=len(data_records),
        header=list(header),
        _buffer=buffer,
        _record_lines=layout.lines[1:],
        _record_starts=layout.starts[1:],
        _record_ends=layout.ends[1:],
    )


def _field_texts(
    layout: _Layout, buffer: bytes, records: np.ndarray, n_fields: int, positions: list[int]
) -> list[pa.Array]:
    """The raw text of the fields at `positions` of `records` (all holding n_fields fields)."""
    chosen = np.zeros(layout.n_records, dtype=bool)
    chosen[records] = True
    seps = layout.separators[chosen[layout.record_of_separator]].reshape(len(records), n_fields - 1)
    whole = pa.py_buffer(buffer)
    texts = []
    for position in positions:
        starts = layout.starts[records] if position == 0 else seps[:, position - 1] + 1
        ends = layout.ends[records] if position == n_fields - 1 else seps[:, position]
        texts.append(_slice_strings(whole, starts, ends))
    return texts


def _slice_strings(buffer: pa.Buffer, starts: np.ndarray, ends: np.ndarray) -> pa.Array:
    """buffer[start:end] for each pair (ascending, non-overlapping) as one Arrow string array.

    The pieces are read as the even values of one string array whose odd values are the
    gaps between them, so no byte is copied until the final take.
    """
    n = len(starts)
    if n == 0:
        return pa.array([], type=pa.large_string())
    offsets = np.empty(2 * n, dtype=np.int64)
    offsets[0::2], offsets[1::2] = starts, ends
    interleaved = pa.LargeStringArray.from_buffers(2 * n - 1, pa.py_buffer(offsets), buffer)
    return interleaved.take(pa.array(np.arange(0, 2 * n, 2, dtype=np.int64)))


def _missing_tokens(dialect: dict) -> pa.Array:
    tokens = {""} | {str(t).strip(WHITESPACE) for t in dialect.get("missing_values") or []}
    return pa.array(sorted(tokens), type=pa.large_string())


def _clean(values: pa.Array, missing_tokens: pa.Array, has_quotes: bool) -> pa.Array:
    """Strip whitespace, unquote a quoted field, and set empty fields and tokens missing."""
    values = _unquote(values, has_quotes)
    is_missing = pc.is_in(values, value_set=missing_tokens)
    return pc.if_else(is_missing, pa.scalar(None, pa.large_string()), values)


def _unquote(values: pa.Array, has_quotes: bool) -> pa.Array:
    """The value of each field: whitespace stripped, outer quotes removed and `""` undoubled."""
    values = pc.utf8_trim(values, characters=WHITESPACE)
    if has_quotes:
        quoted = pc.and_(
            pc.and_(pc.starts_with(values, '"'), pc.ends_with(values, '"')),
            pc.greater_equal(pc.binary_length(values), 2),
        )
        inner = pc.utf8_trim(
            pc.replace_substring(pc.utf8_slice_codeunits(values, 1, -1), '""', '"'), characters=WHITESPACE
        )
        values = pc.if_else(quoted, inner, values)
    return values
