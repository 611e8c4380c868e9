"""Read one raw export CSV file (the input contract) into text columns with line numbers.

The reader works on the file's bytes with numpy instead of a CSV parser so that it can tell
on which physical line every record starts, set aside records with the wrong number of
fields instead of failing, and stay vectorized at registry scale (millions of rows):

1. decode the file in the declared encoding (a file-level error names the byte and line if
   it cannot be) and work on its UTF-8 bytes, where separator, `"`, CR and LF are ASCII;
2. find the line ends (CR, LF or CRLF: each ends a physical line) and the double quotes
   that act as quotes (RFC 4180: a field may be quoted, `""` inside it is a quote); line
   ends outside quotes end records and separators outside quotes split fields (quote-count
   parity via np.searchsorted);
3. drop blank records, count fields per record (np.bincount); a record spanning lines
   because of a quote with the wrong field count or over `max_record_lines` lines holds a
   stray quote: its first line is set aside (unbalanced_quote) and reading starts again on
   the next line;
4. keep the records with the header's number of fields and cut their fields out of the
   byte buffer as an Arrow string array (no copy of the file, no per-row Python);
5. strip whitespace, unquote, and map empty fields and configured tokens to missing with
   pyarrow.compute.

Nothing is converted: decimal commas, numbers and dates stay text for the validation stage.
Header messages never echo a value: a header-less file's first line is a patient's record.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rehab.core.errors import RawExportError
from rehab.core.export_contract import MAY_BE_EMPTY, RAW_FILES, contract_columns
from rehab.core.privacy import holds_identity_number, mask_text, shown
from rehab.core.suggestions import closest_name
from rehab.ingest.export_files import DEFAULT_MAX_RECORD_LINES, check_file_present, unreadable_file_error

log = logging.getLogger("rehab")

# file -> {column: required}, in the contract's order (rehab.core.export_contract); the outcomes
# file then has one optional column per instrument of the study: read_raw_table(columns=...).
CONTRACT_COLUMNS: dict[str, dict[str, bool]] = {name: contract_columns(name) for name in RAW_FILES}

STRING_DTYPE = pd.StringDtype("pyarrow")
WHITESPACE = " \t\u00a0"  # stripped around values and column names
COMMON_SEPARATORS = [",", ";", "\t", "|"]
UTF8_BOM = b"\xef\xbb\xbf"
QUOTE, NEWLINE, CR = ord('"'), ord("\n"), ord("\r")
# UTF-8 bytes of the whitespace a blank line may hold (NBSP is C2 A0).
BLANK_BYTES = [ord(" "), ord("\t"), CR, NEWLINE, 0xC2, 0xA0]


UNBALANCED_COLUMNS = ["line", "runs_to_line", "n_fields", "expected_fields", "max_record_lines"]


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
    # Lines holding a stray quote (line, runs_to_line, n_fields, expected_fields, max_record_lines):
    # read on, the record would have run to runs_to_line with n_fields fields.
    unbalanced: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNBALANCED_COLUMNS))
    physical_lines: int = 0  # lines of the file: header + data records' lines + blank lines
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
    path: str | Path,
    name: str,
    dialect: dict,
    cohort: str | None = None,
    columns: dict[str, bool] | None = None,
    max_record_lines: int = DEFAULT_MAX_RECORD_LINES,
) -> RawTable:
    """Read one raw export file of the contract (`name`: patients, sessions or outcomes).

    `dialect` holds separator, decimal, encoding and missing_values as in the cohort's
    export config; `cohort` only names the config keys in error messages; `columns`
    ({column: required}) replaces the file's CONTRACT_COLUMNS (the study's outcomes columns);
    `max_record_lines` is the most physical lines one record may span (a longer one holds a
    stray quote). Raises RawExportError for a file that cannot be read as the contract.
    """
    contract = columns or CONTRACT_COLUMNS[name]
    path = Path(path)
    if int(max_record_lines) < 1:
        raise ValueError(f"max_record_lines must be at least 1, not {max_record_lines}")
    where = _ConfigKeys(cohort)
    separator = dialect["separator"]
    buffer = _read_utf8(path, dialect["encoding"], where)
    sep = _separator_byte(separator, path, where)
    layout = _Layout.of(buffer, sep, int(max_record_lines))
    if layout.n_records == 0:
        raise RawExportError(
            f"Raw export file {path} is empty: it has no header row. Export the file again with "
            f"its header row of column names ({', '.join(contract)})."
        )
    _check_header_line(layout, path)
    header = _header_names(layout, buffer)
    positions = _check_header(
        header, name, path, separator, dialect, where, layout.header_text(buffer), contract, int(layout.lines[0])
    )
    table = _build_table(layout, buffer, header, positions, name, path, dialect, contract, int(max_record_lines))
    if table.rows_read == 0 and name not in MAY_BE_EMPTY:
        raise RawExportError(
            f"Raw export file {path} has a header but no data rows: {name}.csv needs at least "
            "one row. Check that the export ran to completion and export the file again."
        )
    log.info(
        "%s: %d physical lines, %d rows read, %d with the wrong number of fields, %d with a stray quote, "
        "unknown columns: %s",
        path,
        table.physical_lines,
        table.rows_read,
        len(table.malformed),
        len(table.unbalanced),
        mask_text(", ".join(table.unknown_columns)) or "none",
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


def _read_utf8(path: Path, encoding: str, where: _ConfigKeys) -> bytes:
    """The file's text as UTF-8 bytes without a byte-order mark; file-level errors raised."""
    check_file_present(path, where.cohort)
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise RawExportError(
            f"Raw export file {path} cannot be read: the declared encoding {shown(encoding)} is not a "
            f"known text encoding. Set {where.key('encoding')} to a Python codec name such as "
            "utf-8 or cp1252."
        ) from None
    try:
        data = path.read_bytes()
    except OSError as error:
        raise unreadable_file_error(error, path) from None
    if codec in ("utf-8", "utf-8-sig"):
        data = data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data
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
        line = len(_line_breaks(data[: error.start])) + 1
        bad = data[error.start : error.start + 1].hex().upper()
        raise RawExportError(
            f"Raw export file {path} is not valid {encoding} (the declared encoding): byte "
            f"0x{bad} at byte offset {error.start} (line {line}) cannot be decoded. "
            f"{_encoding_fix(data, codec, where)}"
        ) from None


def _encoding_fix(data: bytes, codec: str, where: _ConfigKeys) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (
            f'The file starts with a UTF-16 byte-order mark ("Unicode text"): set '
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


def _separator_byte(separator: str, path: Path, where: _ConfigKeys) -> int:
    if len(separator) != 1 or ord(separator) > 127 or separator in '"\r\n':
        raise RawExportError(
            f"Raw export file {path} cannot be read with the separator {shown(separator)}: the "
            f"separator must be one ASCII character other than a quote or newline. Set "
            f'{where.key("separator")} (e.g. "," or ";").'
        )
    return ord(separator)


# --------------------------------------------------------------------------- record layout


@dataclass
class _Layout:
    """Where the non-blank records and their outside-quote separators lie in the buffer.

    A record that spans several physical lines because of a quote and then lacks the
    header's number of fields, or spans more than `max_record_lines` lines, holds a stray
    quote: the line where it starts becomes a record of its own (flagged in `stray`,
    quarantined as unbalanced_quote) and reading starts again, outside quotes, on the next
    line. Each stray quote costs one vectorized pass over the rest of the file.
    """

    starts: np.ndarray  # first byte of each non-blank record
    ends: np.ndarray  # end (exclusive) of its content: no line end (CR, LF or CRLF)
    lines: np.ndarray  # physical line on which it starts (1-based)
    last_lines: np.ndarray  # physical line on which it ends
    counts: np.ndarray  # number of fields (of a stray-quote line: of the record it would start)
    stray: np.ndarray  # bool: a stray-quote line
    separators: np.ndarray  # separators outside quotes (none of stray lines), in byte order
    record_of_separator: np.ndarray  # index (into starts) of each separator's record
    has_quotes: bool
    physical_lines: int  # every line of the file, blank ones included

    @property
    def n_records(self) -> int:
        return len(self.starts)

    @classmethod
    def of(cls, buffer: bytes, sep: int, max_record_lines: int = DEFAULT_MAX_RECORD_LINES) -> _Layout:
        data = np.frombuffer(buffer, dtype=np.uint8)
        breaks = _line_breaks(buffer)
        separators = np.flatnonzero(data == sep)
        parts: list[_Records] = []
        origin, expected = 0, None
        while True:
            part = _Records.read(data, origin, breaks, separators, sep)
            if expected is None:  # the first part starts with the header
                if part.n == 0 or part.last_lines[0] > part.lines[0]:
                    parts.append(part)  # no header, or one spanning lines: read_raw_table says so
                    break
                expected = int(part.counts[0])
            stray = part.first_stray(expected, max_record_lines, skip_first=origin == 0)
            if stray is None:
                parts.append(part)
                break
            parts += [part.head(stray), part.stray_line(stray, data, breaks)]
            origin = int(breaks[part.lines[stray] - 1]) + 1  # the next physical line
        return cls._joined(parts, _physical_line_count(data, breaks))

    @classmethod
    def _joined(cls, parts: list[_Records], physical_lines: int) -> _Layout:
        offsets = np.cumsum([0] + [part.n for part in parts[:-1]])

        def joined(attribute: str) -> np.ndarray:
            return _concatenated([getattr(part, attribute) for part in parts])

        return cls(
            starts=joined("starts").astype(np.int64, copy=False),
            ends=joined("ends").astype(np.int64, copy=False),
            lines=joined("lines").astype(np.int64, copy=False),
            last_lines=joined("last_lines").astype(np.int64, copy=False),
            counts=joined("counts").astype(np.int64, copy=False),
            stray=joined("stray").astype(bool, copy=False),
            separators=joined("separators").astype(np.int64, copy=False),
            record_of_separator=_concatenated(
                [
                    part.record_of_separator + offset if offset else part.record_of_separator
                    for part, offset in zip(parts, offsets, strict=False)
                ]
            ).astype(np.int64, copy=False),
            has_quotes=any(part.has_quotes for part in parts),
            physical_lines=physical_lines,
        )

    def field_counts(self) -> np.ndarray:
        return self.counts

    def header_text(self, buffer: bytes) -> str:
        return buffer[self.starts[0] : self.ends[0]].decode("utf-8")


@dataclass
class _Records:
    """The non-blank records from byte `origin` (a line start, read outside quotes) to the end."""

    starts: np.ndarray
    ends: np.ndarray
    lines: np.ndarray
    last_lines: np.ndarray
    counts: np.ndarray
    stray: np.ndarray
    separators: np.ndarray
    record_of_separator: np.ndarray
    has_quotes: bool

    @property
    def n(self) -> int:
        return len(self.starts)

    @classmethod
    def read(cls, data: np.ndarray, origin: int, breaks: np.ndarray, separators: np.ndarray, sep: int) -> _Records:
        quotes = _active_quotes(data[origin:], sep) + origin
        before = np.searchsorted(breaks, origin)  # lines before origin's
        ahead = breaks[before:]
        ending = np.flatnonzero(_outside(quotes, ahead))  # the line ends that end a record
        ends_at = ahead[ending]  # last byte of each record's line end
        starts = np.concatenate([[origin], ends_at + 1])
        stops = np.concatenate([ends_at - _is_crlf(data, ends_at), [len(data)]])  # the last may lack a line end
        # line k (1-based) ends at breaks[k - 1]: a record after the line end ahead[i] starts on line before + i + 2
        lines = before + 1 + np.concatenate([[0], ending + 1])
        last_lines = before + 1 + np.concatenate([ending, [len(ahead)]])
        if starts[-1] == len(data):  # the data ends with a line end: no record after it
            starts, stops, lines, last_lines = starts[:-1], stops[:-1], lines[:-1], last_lines[:-1]
        nonblank = _nonblank(data[origin:], starts - origin, sep) if len(starts) else np.zeros(0, bool)
        starts, stops, lines, last_lines = starts[nonblank], stops[nonblank], lines[nonblank], last_lines[nonblank]
        separators = separators[np.searchsorted(separators, origin) :]
        separators = separators[_outside(quotes, separators)]
        # a separator makes its record non-blank, so every separator lies in one of `starts`
        record = np.searchsorted(starts, separators, side="right") - 1
        return cls(
            starts=starts,
            ends=stops,
            lines=lines,
            last_lines=last_lines,
            counts=np.bincount(record, minlength=len(starts)) + 1,
            stray=np.zeros(len(starts), bool),
            separators=separators,
            record_of_separator=record,
            has_quotes=len(quotes) > 0,
        )

    def first_stray(self, expected: int, max_record_lines: int, skip_first: bool) -> int | None:
        """The first record that spans lines because of a quote and is not a sound record."""
        spans = self.last_lines - self.lines + 1
        suspect = (spans > 1) & ((self.counts != expected) | (spans > max_record_lines))
        if skip_first and len(suspect):
            suspect[0] = False
        found = np.flatnonzero(suspect)
        return int(found[0]) if len(found) else None

    def head(self, n: int) -> _Records:
        """The first n records (separators of later records dropped)."""
        cut = np.searchsorted(self.record_of_separator, n)
        return _Records(
            starts=self.starts[:n],
            ends=self.ends[:n],
            lines=self.lines[:n],
            last_lines=self.last_lines[:n],
            counts=self.counts[:n],
            stray=self.stray[:n],
            separators=self.separators[:cut],
            record_of_separator=self.record_of_separator[:cut],
            has_quotes=self.has_quotes,
        )

    def stray_line(self, index: int, data: np.ndarray, breaks: np.ndarray) -> _Records:
        """Record `index` cut to its first physical line: the stray quote's line, as one record."""
        line_end = breaks[self.lines[index] - 1 : self.lines[index]]
        one = np.zeros(1, np.int64)
        return _Records(
            starts=self.starts[index : index + 1],
            ends=line_end - _is_crlf(data, line_end),
            lines=self.lines[index : index + 1],
            last_lines=self.last_lines[index : index + 1],  # where the record it would start ends
            counts=self.counts[index : index + 1],
            stray=np.ones(1, bool),
            separators=one[:0],
            record_of_separator=one[:0],
            has_quotes=self.has_quotes,
        )


def _concatenated(arrays: list[np.ndarray]) -> np.ndarray:
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)  # no copy of a file read in one part


def _line_breaks(buffer: bytes) -> np.ndarray:
    """Position of the last byte of every line end: LF, a lone CR, or the LF of a CRLF."""
    data = np.frombuffer(buffer, dtype=np.uint8)
    newlines = np.flatnonzero(data == NEWLINE)
    if b"\r" not in buffer:  # a byte search, much cheaper than a pass of numpy
        return newlines
    returns = np.flatnonzero(data == CR)
    following = data[np.minimum(returns + 1, len(data) - 1)]
    lone = returns[(returns == len(data) - 1) | (following != NEWLINE)]
    if len(lone) == 0:
        return newlines
    return np.sort(np.concatenate([newlines, lone]))


def _is_crlf(data: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """1 where the line end at `breaks` is a CRLF (two bytes), else 0."""
    before = data[np.maximum(breaks - 1, 0)]
    return ((breaks > 0) & (data[breaks] == NEWLINE) & (before == CR)).astype(np.int64)


def _physical_line_count(data: np.ndarray, breaks: np.ndarray) -> int:
    """Lines of the file: one per line end, plus a last line without one."""
    ends_open = len(data) > 0 and data[-1] not in (NEWLINE, CR)
    return len(breaks) + int(ends_open)


def _outside(quotes: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """True where a position lies outside quotes (an even number of quotes before it)."""
    if len(quotes) == 0:
        return np.ones(len(positions), bool)
    return np.searchsorted(quotes, positions) % 2 == 0


def _nonblank(data: np.ndarray, starts: np.ndarray, sep: int) -> np.ndarray:
    """True for records holding anything but whitespace (a separator counts as content).

    A record whose first byte is content is non-blank; only the others (a blank line, or one
    starting with whitespace: rare) have their bytes, up to the next record, looked at."""
    is_content = np.ones(256, bool)
    is_content[BLANK_BYTES] = False
    is_content[sep] = True
    ends = np.append(starts[1:], len(data))
    nonblank = np.zeros(len(starts), bool)
    opened = starts < len(data)
    nonblank[opened] = is_content[data[starts[opened]]]
    doubtful = np.flatnonzero(~nonblank & (ends > starts))
    if len(doubtful):
        lengths = ends[doubtful] - starts[doubtful]
        first = np.cumsum(lengths) - lengths  # where each doubtful record's bytes begin below
        positions = np.repeat(starts[doubtful] - first, lengths) + np.arange(int(lengths.sum()))
        nonblank[doubtful] = np.logical_or.reduceat(is_content[data[positions]], first)
    return nonblank


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
    opens_ok = (openers == 0) | (before == sep) | (before == NEWLINE) | (before == CR) | escaped_before
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
        active.extend(int(q) for q in quotes[i : closing + 1])
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
    return j < 0 or data[j] == sep or data[j] == NEWLINE or data[j] == CR


# --------------------------------------------------------------------------- header


def _header_names(layout: _Layout, buffer: bytes) -> list[str]:
    """The header's fields, cut out as one Arrow array (one pass, however wide the header)."""
    separators = layout.separators[layout.record_of_separator == 0]
    starts = np.concatenate([layout.starts[:1], separators + 1])
    ends = np.concatenate([separators, layout.ends[:1]])
    return _unquote(_slice_strings(pa.py_buffer(buffer), starts, ends), layout.has_quotes).to_pylist()


def _check_header_line(layout: _Layout, path: Path) -> None:
    """A header row cannot span lines: a quote in it that does not close is a stray quote."""
    first, last = int(layout.lines[0]), int(layout.last_lines[0])
    if last > first:
        raise RawExportError(
            f"Raw export file {path} has a stray quote in its header row (line {first}): a quote "
            f"opened there does not close on that line, so the header would run on to line {last}. "
            "Column names hold no line breaks: remove the stray quote from the header row and "
            "export the file again."
        )


def _check_header(
    header: list[str],
    name: str,
    path: Path,
    separator: str,
    dialect: dict,
    where: _ConfigKeys,
    raw: str,
    contract: dict[str, bool],
    line: int = 1,
) -> dict[str, int]:
    """Contract column -> position in the header; file-level errors for a header we cannot use.

    The header is the first non-blank line (`line`). Messages never echo a field that does not
    look like a column name (a header-less file's first line is a patient's record), and every
    name shown is masked (`rehab.core.privacy.mask_text`).
    """
    names = set(header)
    missing = [c for c, required in contract.items() if required and c not in names]
    where_header = (
        "its first line" if line == 1 else f"its first non-blank line (line {line}; blank lines are not rows)"
    )
    if missing:
        _raise_wrong_separator(header, name, path, separator, dialect, where, raw)
        _raise_data_as_header(header, name, path, missing, where_header)
    duplicated = sorted(name for name, count in Counter(header).items() if count > 1)
    if duplicated:
        raise RawExportError(
            f"Raw export file {path} has duplicate column name(s) in its header: "
            f"{_shown_names(duplicated)}. Each column must appear once: rename or remove "
            "the extra column(s) and export the file again."
        )
    if missing:
        near = _close_names(missing, [c for c in header if c not in contract])
        raise RawExportError(
            f"Raw export file {path} lacks the required column(s) {', '.join(missing)}; the "
            f"columns found are: {_shown_names(header)}. Export the file with these columns named "
            "exactly as in the contract (order free)" + (f"; note {'; '.join(near)}" if near else "") + "."
        )
    position = {name: index for index, name in reversed(list(enumerate(header)))}  # the first of each name
    return {c: position[c] for c in contract if c in position}


def _close_names(missing: list[str], found: list[str]) -> list[str]:
    """For each missing contract column, the found name closest to it (difflib, case ignored)
    as "'found': did you mean 'column'?"; only names that look like column names, masked."""
    names = [name for name in found if _looks_like_name(name)]
    notes = []
    for column in missing:
        name = closest_name(column, names)
        if name is not None:
            case = " (names are case-sensitive)" if name.lower() == column.lower() else ""
            notes.append(f"{shown(name)}: did you mean {column!r}?{case}")
    return notes


# A column name: a letter or _ first, then letters, digits, spaces and a few marks.
_COLUMN_NAME = re.compile(r"[^\W\d][\w .()/%-]{0,63}")
# A value no header holds: a number, a date, or an identity-number-like token.
_DATA_VALUE = re.compile(r"[+-]?\d+(?:[.,]\d+)?|\d{4}-\d{2}-\d{2}")


def _looks_like_name(text: str) -> bool:
    return bool(_COLUMN_NAME.fullmatch(text)) and not holds_identity_number(text)


def _shown_names(names: list[str]) -> str:
    """The names that look like column names, masked and quoted; the others only counted."""
    listed = [shown(n) for n in names if _looks_like_name(n)]
    hidden = len(names) - len(listed)
    text = _shorten(", ".join(listed)) if listed else "none that looks like a column name"
    if listed and hidden:
        text += f" (and {hidden} field(s) that do not look like column names, not shown)"
    elif hidden:
        text += f" ({hidden} field(s) not shown)"
    return text


def _raise_data_as_header(header: list[str], name: str, path: Path, missing: list[str], where_header: str) -> None:
    """Stop with a message that shows no value when the header row looks like a data row."""
    if not any(header_name.strip(WHITESPACE) for header_name in header):
        raise RawExportError(
            f"Raw export file {path} lacks the required column(s) {', '.join(missing)}: {where_header}, "
            "which must be the header row, holds only separators and no column names. Remove the "
            f"empty row(s) above the header row of column names ({', '.join(CONTRACT_COLUMNS[name])}) "
            "and export the file again."
        )
    data_like = sum(1 for n in header if not n or _DATA_VALUE.fullmatch(n) or holds_identity_number(n))
    lower = {c.lower() for c in CONTRACT_COLUMNS[name]}
    names = sum(1 for n in header if n.lower() in lower)
    plausible = sum(1 for n in header if _looks_like_name(n))
    # A header names at least one contract column; a data row names none and holds mostly
    # numbers, dates and empty fields, or mostly values no column name looks like.
    if names == 0 and (2 * data_like >= len(header) or 2 * plausible < len(header)):
        reason = (
            f"{data_like} of its {len(header)} fields are numbers, dates or empty"
            if 2 * data_like >= len(header)
            else f"none of its {len(header)} fields is a column name of the contract"
        )
        raise RawExportError(
            f"Raw export file {path} lacks the required column(s) {', '.join(missing)}: {where_header} "
            f"looks like a data row, not a header ({reason}; values are not shown). Add the header "
            f"row of column names ({', '.join(CONTRACT_COLUMNS[name])}; order free, optional ones may "
            "be left out) as the first line and export the file again."
        )


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
                f"separator {shown(separator)}: its header reads {repr(_shorten(mask_text(raw), 200))}, which "
                f"does split with {candidate!r}. Set {where.key('separator')}: {_yaml(candidate)} in the "
                f"cohort's export config.{_decimal_hint(candidate, dialect, where)}"
            )


def _decimal_hint(separator: str, dialect: dict, where: _ConfigKeys) -> str:
    decimal = dialect["decimal"]
    if separator == ";" and decimal == ".":
        return (
            f" Files separated by ';' (Swedish spreadsheet exports) usually write decimals with a "
            f'comma: then also set {where.key("decimal")}: "," (and {where.key("encoding")}: '
            "cp1252 if the file was saved by such a program)."
        )
    if separator == "," and decimal == ",":
        return (
            f" With ',' between fields the decimal mark is usually '.': check {where.key('decimal')} (currently \",\")."
        )
    return ""


def _yaml(separator: str) -> str:
    return '"\\t"' if separator == "\t" else f'"{separator}"'


# --------------------------------------------------------------------------- fields


def _build_table(
    layout: _Layout,
    buffer: bytes,
    header: list[str],
    columns: dict[str, int],
    name: str,
    path: Path,
    dialect: dict,
    contract: dict[str, bool],
    max_record_lines: int = DEFAULT_MAX_RECORD_LINES,
) -> RawTable:
    expected = len(header)
    data_records = np.arange(1, layout.n_records)
    counts, stray = layout.counts[1:], layout.stray[1:]
    good = data_records[(counts == expected) & ~stray]
    fields = dict(zip(columns, _field_texts(layout, buffer, good, expected, list(columns.values())), strict=False))
    missing_tokens = _missing_tokens(dialect)
    frame = pd.DataFrame({"line": pd.array(layout.lines[good], dtype="int64")})
    for column in contract:
        if column in fields:
            values = _clean(fields.pop(column), missing_tokens, layout.has_quotes)
            frame[column] = pd.array(values, dtype=STRING_DTYPE)
        else:
            frame[column] = pd.array([None] * len(good), dtype=STRING_DTYPE)
    bad = (counts != expected) & ~stray
    malformed = pd.DataFrame(
        {
            "line": layout.lines[1:][bad].astype(np.int64),
            "n_fields": counts[bad].astype(np.int64),
            "expected_fields": np.full(int(bad.sum()), expected, dtype=np.int64),
        }
    )
    unbalanced = pd.DataFrame(
        {
            "line": layout.lines[1:][stray],
            "runs_to_line": layout.last_lines[1:][stray],
            "n_fields": counts[stray],
            "expected_fields": np.full(int(stray.sum()), expected, dtype=np.int64),
            "max_record_lines": np.full(int(stray.sum()), max_record_lines, dtype=np.int64),
        },
        columns=UNBALANCED_COLUMNS,
    )
    return RawTable(
        name=name,
        path=path,
        frame=frame,
        malformed=malformed,
        unknown_columns=[c for c in header if c not in contract],
        rows_read=len(data_records),
        header=list(header),
        unbalanced=unbalanced,
        physical_lines=layout.physical_lines,
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
    tokens = {""} | {str(t).strip(WHITESPACE) for t in dialect["missing_values"]}
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
