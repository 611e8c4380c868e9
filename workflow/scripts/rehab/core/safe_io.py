"""The one way the pipeline writes a file: nothing identifying leaves it.

Every byte written passes `rehab.core.privacy` first: text cells, column names, index labels,
JSON keys and values, whole texts (HTML), the text of SVG images and the text chunks of PNG
images. What the pipeline makes itself is exempt by its source, never by its shape: numbers
(numeric dtypes, JSON numbers), the columns a writer declares `pipeline_made` (the values
of numbers.csv), `privacy.PipelineMade` texts (checksums, commit ids, timestamps), the
values a whole text names as `exempt`, and an SVG's markup (the geometry the renderer
writes; its text and comments, where labels go, are masked). A path whose text holds an
identity number is refused.

CSV files round-trip: what pandas or the csv module reads back is what was written, CR,
LF, quotes, separators and NUL included. Python's csv quotes a field holding LF but not one
holding a lone CR when the line ends in LF, so a table with a CR anywhere is written with
every text field quoted; every other table keeps pandas' minimal quoting (its bytes do not
change).

CSV files that carry raw export text (`raw_text=True`: failures, quarantine, columns) are
also safe to open in a spreadsheet (OWASP "CSV injection"): a cell that starts with `=`,
`+`, `-`, `@`, a tab or a CR, and is not a plain number, is written with a leading `'`.
`read_raw_text_csv` takes the `'` off again.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import struct
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy, pyarrow and pandas are imported where a frame or array is
    import numpy as np  # handled: a job that writes none (provenance) starts without them
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

from rehab.core.errors import FileSystemError, PipelineError, file_system_error
from rehab.core.privacy import holds_identity_number, mask_array, mask_text

FORMULA_PREFIX = "'"
# A cell a spreadsheet would run as a formula; leading `'`s are counted so that a cell
# that already starts with `'=` keeps its own quote after the round trip.
_FORMULA_START = r"^'*[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?$"
_ADDED_PREFIX = re.compile(r"^'(?='*[=+\-@\t\r])")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")


class UnsafePathError(PipelineError):
    """An output path holds an identity number."""


def checked_path(path: str | Path) -> Path:
    """`path` as a Path with its folder created; UnsafePathError when its text holds an
    identity number, FileSystemError when the folder cannot be made."""
    if holds_identity_number(str(path)):
        raise UnsafePathError(
            f"Refusing to write {path}: the path holds a personal identity number. "
            "Rename the cohort or folder so that no file name identifies a person."
        )
    path = Path(path)
    with reaching(path):
        path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def reaching(path: str | Path) -> Iterator[None]:
    """Turns an OSError (disk full, permission denied, read-only file system, ...) met while
    reading or writing `path` into a FileSystemError: one line naming the path and the fix."""
    try:
        yield
    except FileSystemError:
        raise
    except OSError as error:
        raise file_system_error(error, path) from None


# ----------------------------------------------------------------------------- frames


def _text_array(values: pd.Series | pd.Index) -> pa.Array | None:
    """The values as an Arrow string array, or None when they are not all texts."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    dtype = values.dtype
    if not (pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)):
        return None
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":  # already Arrow: no Python strings made
        array = pa.array(values.array, from_pandas=True)
        array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
        return array.cast(pa.large_string())
    if pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        return None
    return pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True)


def _masked_objects(values: pd.Series | pd.Index) -> np.ndarray | None:
    """The values with their texts masked (object array), or None when nothing changed."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pd.api.types.is_string_dtype(values.dtype) or pd.api.types.is_object_dtype(values.dtype)):
        return None  # numbers, dates, booleans: generated, not masked
    array = _text_array(values)
    if array is None:  # mixed values: only the texts among them are texts
        objects = np.asarray(values, dtype=object)
        masked = np.array([mask_text(v) if isinstance(v, str) else v for v in objects], dtype=object)
        changed = masked != objects
        return masked if np.any(changed) else None
    masked = mask_array(array)
    if masked is array:
        return None
    objects = np.asarray(values, dtype=object).copy()
    positions = np.flatnonzero(pc.not_equal(masked, array).fill_null(False).to_numpy(zero_copy_only=False))
    objects[positions] = np.asarray(masked.take(pa.array(positions)).to_pylist(), dtype=object)
    return objects


def mask_series(series: pd.Series) -> pd.Series:
    """Texts (string, object, categorical) masked; numbers, dates and booleans as they are."""
    import numpy as np
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = _masked_objects(dtype.categories)
        if categories is None:
            return series
        if pd.Index(categories).is_unique:
            return series.cat.rename_categories(categories)
        codes = series.cat.codes.to_numpy()
        values = np.where(codes >= 0, categories[codes], None)
        merged = pd.Categorical(values, categories=list(dict.fromkeys(categories)), ordered=dtype.ordered)
        return pd.Series(merged, index=series.index, name=series.name)
    if not (pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)):
        return series
    masked = _masked_objects(series)
    if masked is None:
        return series
    return pd.Series(masked, index=series.index, name=series.name, dtype=dtype)


def _mask_labels(labels: pd.Index) -> pd.Index:
    import pandas as pd

    if isinstance(labels, pd.MultiIndex):
        return labels.set_levels([_mask_labels(level) for level in labels.levels], verify_integrity=False)
    if isinstance(labels, pd.RangeIndex):
        return labels
    masked = _masked_objects(labels)
    return (
        labels
        if masked is None
        else pd.Index(masked, name=mask_text(labels.name) if isinstance(labels.name, str) else labels.name)
    )


def mask_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell, column name and index label masked (the same object when clean)."""
    columns = _mask_labels(frame.columns)
    index = _mask_labels(frame.index)
    columns_as_read = [frame.iloc[:, position] for position in range(frame.shape[1])]
    masked = [mask_series(column) for column in columns_as_read]
    changed = {position: m for position, (m, c) in enumerate(zip(masked, columns_as_read, strict=False)) if m is not c}
    if columns is frame.columns and index is frame.index and not changed:
        return frame
    out = frame.copy(deep=False)
    for position, series in changed.items():
        out.isetitem(position, series)
    out.columns, out.index = columns, index
    return out


def _mask_frame_except(frame: pd.DataFrame, pipeline_made: Sequence[str]) -> pd.DataFrame:
    """mask_frame, the `pipeline_made` columns' values left as they are."""
    if not pipeline_made:
        return mask_frame(frame)
    unknown = [column for column in pipeline_made if column not in frame.columns]
    if unknown:
        raise KeyError(f"pipeline_made names columns the frame does not have: {unknown}")
    made = [position for position, column in enumerate(frame.columns) if column in pipeline_made]
    masked = mask_frame(frame)
    if masked is frame:
        return frame
    out = masked.copy(deep=False)
    for position in made:
        out.isetitem(position, frame.iloc[:, position])
    return out


def _text_columns(frame: pd.DataFrame) -> list[int]:
    import pandas as pd

    return [
        position
        for position, dtype in enumerate(frame.dtypes)
        if pd.api.types.is_string_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    ]


def _holds_carriage_return(frame: pd.DataFrame) -> bool:
    import pandas as pd
    import pyarrow.compute as pc

    labels = [label for label in frame.columns if isinstance(label, str)]
    if any("\r" in label for label in labels):
        return True
    for position in _text_columns(frame):
        column = frame.iloc[:, position]
        array = _text_array(column.astype(object) if isinstance(column.dtype, pd.CategoricalDtype) else column)
        if array is None:
            if any(isinstance(v, str) and "\r" in v for v in column):
                return True
        elif pc.any(pc.match_substring(array, "\r")).as_py():
            return True
    return False


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula, prefixed with `'` (see the module doc)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    out = frame.copy(deep=False)
    for position in _text_columns(frame):
        column = frame.iloc[:, position]
        texts = column.astype(object) if isinstance(column.dtype, pd.CategoricalDtype) else column
        array = _text_array(texts)
        if array is None:
            array = pa.array([v if isinstance(v, str) else None for v in texts], type=pa.large_string())
        risky = pc.and_(
            pc.match_substring_regex(array, _FORMULA_START), pc.invert(pc.match_substring_regex(array, _PLAIN_NUMBER))
        ).fill_null(False)
        if not pc.any(risky).as_py():
            continue
        positions = np.flatnonzero(risky.to_numpy(zero_copy_only=False))
        values = np.asarray(texts, dtype=object).copy()
        values[positions] = [FORMULA_PREFIX + value for value in values[positions]]
        out.isetitem(position, pd.Series(values, index=frame.index, dtype=texts.dtype))
    return out


def restore_formulas(values: pd.Series) -> pd.Series:
    """The inverse of neutralize_formulas for one column read as text."""
    return values.str.replace(_ADDED_PREFIX, "", regex=True)


def write_csv(frame: pd.DataFrame, path: str | Path, raw_text: bool = False, pipeline_made: Sequence[str] = ()) -> None:
    """A table as UTF-8 CSV (no index, LF line ends), masked; spreadsheet-safe when raw_text.

    `pipeline_made`: columns whose values the pipeline computed (numbers written as text):
    written as they are. Their names are masked as every column name is."""
    path = checked_path(path)
    out = _mask_frame_except(frame, pipeline_made)
    if raw_text:
        out = neutralize_formulas(out)
    quoting = csv.QUOTE_NONNUMERIC if _holds_carriage_return(out) else csv.QUOTE_MINIMAL
    with reaching(path):
        out.to_csv(path, index=False, lineterminator="\n", quoting=quoting)


def read_raw_text_csv(path: str | Path, **read_options) -> pd.DataFrame:
    """A CSV written with raw_text=True, every column as text, with the formula prefixes removed."""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, **read_options)
    for position in range(frame.shape[1]):
        frame.isetitem(position, restore_formulas(frame.iloc[:, position]))
    return frame


PARQUET_ROW_GROUP = 1024 * 1024  # pyarrow's default row group: the file is the one write_table writes


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    """Deterministic Parquet (no pandas index, fixed writer options), masked. Converted to
    Arrow one row group at a time, so a table of tens of millions of rows is never held
    twice in memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = checked_path(path)
    masked = mask_frame(frame)
    schema = pa.Schema.from_pandas(masked, preserve_index=False)
    with (
        reaching(path),
        pq.ParquetWriter(path, schema, compression="snappy", use_dictionary=True, write_statistics=True) as writer,
    ):
        for start in range(0, max(len(masked), 1), PARQUET_ROW_GROUP):
            part = masked.iloc[start : start + PARQUET_ROW_GROUP]
            writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))


def write_parquet_files(frames: Mapping[str, pd.DataFrame], paths: Mapping[str, str | Path]) -> None:
    """Several Parquet files written at once: the writer releases the GIL, so they share the cores."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(write_parquet, frames[name], paths[name]) for name in frames]:
            done.result()


# ----------------------------------------------------------------------------- text, JSON, images


def write_text(text: str, path: str | Path, encoding: str = "utf-8", exempt: Iterable[str] = ()) -> None:
    """A whole text file (HTML, TSV, ...), masked; `exempt`: values the pipeline made itself
    (checksums, commit ids) that the text quotes, kept as they are."""
    _write(checked_path(path), mask_text(text, exempt).encode(encoding))


# An SVG's parts: comments (matplotlib writes each text it draws as paths under a comment
# quoting it), text between tags (<text>, <title>, metadata) and attributes.
_SVG_PART = re.compile(
    r"<!--.*?-->|(?<=>)[^<]+|(?P<before>\s(?P<name>[\w:.-]+)\s*=\s*(?P<quote>[\"']))(?P<value>.*?)(?P=quote)", re.DOTALL
)
# The attributes holding the geometry the renderer computes (coordinates, path data, styles).
SVG_GEOMETRY = frozenset(
    ["d", "points", "transform", "viewBox", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx", "ry"]
    + ["width", "height", "style"]
)


def _mask_svg_part(part: re.Match) -> str:
    if part.group("value") is None:
        return mask_text(part.group())
    if part.group("name") in SVG_GEOMETRY:
        return part.group()
    return part.group("before") + mask_text(part.group("value")) + part.group("quote")


def mask_svg(svg: str) -> str:
    """An SVG with its text masked: comments, text between tags and attributes (ids, links,
    metadata). The geometry attributes (SVG_GEOMETRY: the path data, coordinates and styles
    the renderer computes from the pipeline's numbers) are made by the pipeline: exempt by
    their source, as a number in a numeric column is."""
    return _SVG_PART.sub(_mask_svg_part, svg)


def mask_json(data: Any) -> Any:
    """Keys and texts of a JSON-able structure masked; values JSON cannot hold become masked text."""
    if isinstance(data, dict):
        return {mask_json(key) if isinstance(key, str) else key: mask_json(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [mask_json(value) for value in data]
    if data is None or isinstance(data, (bool, int, float)):
        return data
    return mask_text(data if isinstance(data, str) else str(data))


def write_json(data: Any, path: str | Path) -> None:
    """Pretty, sorted, UTF-8 JSON with a final newline, masked (numbers are written as they are)."""
    text = json.dumps(mask_json(data), indent=2, sort_keys=True, ensure_ascii=False)
    _write(checked_path(path), (text + "\n").encode("utf-8"))


def write_bytes(data: bytes, path: str | Path) -> None:
    """A PNG image, its text chunks (metadata) masked. Other binary formats are refused:
    nothing here could mask them."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError(f"write_bytes writes PNG images only, not {bytes(data[:8])!r}...")
    _write(checked_path(path), mask_png_text(data))


# A fixed time for every member of a written .docx package, so that the same document gives
# the same bytes (a ZIP member otherwise carries the time it was written).
DOCX_MEMBER_TIME = (1980, 1, 1, 0, 0, 0)
DOCX_TEXT_PARTS = (".xml", ".rels")


def write_docx(document: Any, path: str | Path) -> None:
    """A Word document (a python-docx `Document`), every text part masked: the package is
    saved in memory, the text of each of its XML parts masked (an identity-number token holds
    no markup, so masking leaves the markup as it is), and the parts zipped again in their
    order with a fixed time stamp: the same document gives the same bytes."""
    import zipfile

    saved = io.BytesIO()
    document.save(saved)
    packed = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename.endswith(DOCX_TEXT_PARTS):
                data = mask_text(data.decode("utf-8")).encode("utf-8")
            target.writestr(zipfile.ZipInfo(member.filename, date_time=DOCX_MEMBER_TIME), data, zipfile.ZIP_DEFLATED)
    _write(checked_path(path), packed.getvalue())


def mask_png_text(data: bytes) -> bytes:
    """The PNG with every text chunk (tEXt, zTXt, iTXt) masked; the same bytes when clean."""
    chunks, position = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    changed = False
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        end = position + 12 + length
        chunk = data[position:end]
        if kind in _PNG_TEXT_CHUNKS:
            masked = _masked_png_text(kind, body)
            if masked != body:
                chunk = struct.pack(">I", len(masked)) + kind + masked + struct.pack(">I", zlib.crc32(kind + masked))
                changed = True
        chunks.append(chunk)
        position = end
    return b"".join(chunks) if changed else data


def _masked_png_text(kind: bytes, body: bytes) -> bytes:
    keyword, _, rest = body.partition(b"\0")
    keyword = mask_text(keyword.decode("latin-1")).encode("latin-1")
    if kind == b"tEXt":
        return keyword + b"\0" + mask_text(rest.decode("latin-1")).encode("latin-1")
    if kind == b"zTXt":  # compression method byte, then zlib data
        text = zlib.decompress(rest[1:]).decode("latin-1")
        return keyword + b"\0" + rest[:1] + zlib.compress(mask_text(text).encode("latin-1"))
    flag, method = rest[0:1], rest[1:2]
    language, _, rest = rest[2:].partition(b"\0")
    translated, _, text = rest.partition(b"\0")
    plain = zlib.decompress(text) if flag == b"\1" else text
    masked = mask_text(plain.decode("utf-8")).encode("utf-8")
    if masked == plain:
        masked = text
    elif flag == b"\1":
        masked = zlib.compress(masked)
    language = mask_text(language.decode("latin-1")).encode("latin-1")
    translated = mask_text(translated.decode("utf-8")).encode("utf-8")
    return keyword + b"\0" + flag + method + language + b"\0" + translated + b"\0" + masked


def _masked_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    options = dict(options or {})
    if options.get("metadata"):
        options["metadata"] = {
            key: mask_text(value) if isinstance(value, str) else value for key, value in options["metadata"].items()
        }
    return options


def save_figure(
    fig,
    png_path: str | Path,
    svg_path: str | Path,
    png_options: Mapping[str, Any] | None = None,
    svg_options: Mapping[str, Any] | None = None,
) -> None:
    """A matplotlib figure as PNG and SVG, each rendered in memory, masked, then written.

    `png_options` and `svg_options` go to `savefig` (dpi, metadata, ...); the caller closes the figure.
    """
    _keep_layout(fig)
    png = io.BytesIO()
    fig.savefig(png, format="png", **_masked_options(png_options))
    svg = io.StringIO()
    fig.savefig(svg, format="svg", **_masked_options(svg_options))
    write_bytes(png.getvalue(), png_path)
    _write(checked_path(svg_path), mask_svg(svg.getvalue()).encode("utf-8"))


def _keep_layout(fig) -> None:
    """The figure's layout, once applied (`fig.tight_layout()` leaves a placeholder engine),
    is final: without the placeholder, each savefig skips laying the figure out again in a
    draw of its own (a fifth of the save; the bytes are the same). An active engine
    (constrained layout) is kept."""
    from matplotlib import rc_context
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    if isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
        with rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)  # None: no engine, where "none" would set a placeholder again


def _write(path: Path, data: bytes) -> None:
    with reaching(path), open(path, "wb") as handle:
        handle.write(data)


# ----------------------------------------------------------------------------- streams

# A character that no identity-number shape can hold: an ASCII letter (rehab.core.privacy).
SINK_BATCH_CHARS = 1 << 22
_LAST_HARD = re.compile(r".*[A-Za-z]", re.DOTALL)


class MaskingSink(io.RawIOBase):
    """A binary file that masks the UTF-8 text written to it.

    Text is held back up to the last character no shape can span, so a number that arrives
    in two writes is still seen whole.
    """

    def __init__(self, handle, encoding: str = "utf-8"):
        super().__init__()
        self._handle = handle
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._encoding = encoding
        self._held: list[str] = []
        self._held_chars = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        text = self._decoder.decode(bytes(data))
        self._held.append(text)
        self._held_chars += len(text)
        if self._held_chars >= SINK_BATCH_CHARS:
            cut = _LAST_HARD.match(text)
            if cut:  # masked in batches: the matcher's set-up cost is paid once per batch
                self._held[-1] = text[: cut.end()]
                self._emit("".join(self._held))
                self._held, self._held_chars = [text[cut.end() :]], len(text) - cut.end()
        return len(data)

    def finish(self) -> None:
        self._held.append(self._decoder.decode(b"", final=True))
        self._emit("".join(self._held))
        self._held, self._held_chars = [], 0

    def _emit(self, text: str) -> None:
        import pyarrow as pa

        if text:
            masked = mask_array(pa.array([text], type=pa.large_string()))[0].as_py()
            self._handle.write(masked.encode(self._encoding))


def write_arrow_csv(table: pa.Table, sink: MaskingSink, options: pacsv.WriteOptions) -> None:
    """pyarrow's CSV writer, into a masking sink only (one made by text_sink)."""
    import pyarrow.csv as pacsv

    if not isinstance(sink, MaskingSink):
        raise TypeError("pyarrow writes CSV through a safe_io.text_sink only")
    pacsv.write_csv(table, sink, options)


@contextmanager
def text_sink(path: str | Path, encoding: str = "utf-8") -> Iterator[MaskingSink]:
    """A binary sink for text written in chunks (pyarrow's CSV writer, say), masked on the way."""
    path = checked_path(path)
    with reaching(path), open(path, "wb") as handle:
        sink = MaskingSink(handle, encoding)
        yield sink
        sink.finish()


# ----------------------------------------------------------------------------- spreadsheet and SPSS files


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: str | Path) -> None:
    """An Excel workbook, a sheet per frame (openpyxl, write-only): every cell, header and
    sheet name masked. Numbers stay numbers and dates date cells."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(title=mask_text(str(name)))
        masked = mask_frame(frame)
        sheet.append(list(masked.columns))
        for row in masked.astype(object).where(masked.notna(), None).itertuples(index=False, name=None):
            sheet.append(list(row))  # openpyxl takes one row at a time
    with reaching(path):
        workbook.save(checked_path(path))


def write_spss(
    frame: pd.DataFrame,
    path: str | Path,
    labels: Mapping[str, str] | None = None,
    value_labels: Mapping[str, Mapping[float, str]] | None = None,
) -> None:
    """An SPSS .sav file (pyreadstat): every cell, variable name, variable label and value
    label masked."""
    import pyreadstat

    masked = mask_frame(frame)
    rename = dict(zip(frame.columns, masked.columns, strict=True))
    target = checked_path(path)
    # pyreadstat ignores a failed write (a full disk leaves an empty file without an error): it
    # writes a private temporary file, whose bytes are then written here, where a failure is one line
    with tempfile.TemporaryDirectory() as folder:
        staged = Path(folder) / "export.sav"
        pyreadstat.write_sav(
            masked,
            str(staged),
            column_labels={rename[c]: mask_text(text) for c, text in (labels or {}).items()},
            variable_value_labels={
                rename[c]: {code: mask_text(text) for code, text in codes.items()}
                for c, codes in (value_labels or {}).items()
            },
        )
        _write(target, staged.read_bytes())


def write_delimited(table: pa.Table, path: str | Path, separator: str = ",", encoding: str = "utf-8") -> None:
    """A CSV file as a clinic's export writes it (its separator and encoding): a header, then
    the rows, fields quoted where needed; masked on the way."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    buffer = pa.BufferOutputStream()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(delimiter=separator, quoting_style="needed"))
    write_text(buffer.getvalue().to_pybytes().decode("utf-8"), path, encoding=encoding)
