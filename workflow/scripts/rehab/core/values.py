"""Reading the values of a raw export's text: integers, numbers, dates, intervention codes.

Every parser works on a whole pandas text Series at once (Arrow compute and numpy, no loop
over values) and answers NaN/NaT where a text is missing or not of its type. How numbers and
dates are written is the export's `TextFormat` (the dialect's `decimal` and `date_format`).

Within `parse_scope()`, the result of a parse is kept for the very same Arrow buffers: the
Pandera checks of one column and the typed conversion of its kept rows parse it once. The
kept results end with the scope, so nothing needs clearing by hand; outside a scope nothing
is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rehab.core.arrow_text import to_arrow
from rehab.core.dates import DATE_FIELDS as _DATE_FIELDS
from rehab.core.dates import DateLayout, date_layout

ISO_DATE = "%Y-%m-%d"
# Directives of a date format: field -> (placeholder shown to people, digits written).


@dataclass(frozen=True)
class TextFormat:
    """How an export writes its values: the decimal mark and the date format."""

    decimal: str = "."
    date_format: str = ISO_DATE

    @classmethod
    def of(cls, dialect: Mapping) -> TextFormat:
        return cls(decimal=dialect["decimal"], date_format=dialect["date_format"])

    @property
    def date_shape(self) -> str:
        """The date format as people read it: `%d.%m.%Y` -> `DD.MM.YYYY`."""
        return date_layout(self.date_format).shape


DEFAULT_FORMAT = TextFormat()  # the input contract's: decimal point, ISO dates


# ----------------------------------------------------------------------------- parse scope

_SCOPE: ContextVar[list | None] = ContextVar("parse_scope", default=None)
_SCOPE_SIZE = 24  # every parsed column of one file: the typed kept rows reuse the checks' parses


@contextmanager
def parse_scope() -> Iterator[None]:
    """Parses within the block reuse each other's results for the same column buffers."""
    token = _SCOPE.set([])
    try:
        yield
    finally:
        _SCOPE.reset(token)


def _memoized(function):
    """Within a parse scope, reuse the result for the very same Arrow buffers. The cached
    arrays are kept alive, so that their buffer addresses cannot be reused by other data
    while the entry exists."""

    @wraps(function)
    def wrapper(texts, *args):
        memo = _SCOPE.get()
        if memo is None or not hasattr(texts, "array"):
            return function(texts, *args)
        chunked = pa.array(texts.array, from_pandas=True)
        chunks = chunked.chunks if isinstance(chunked, pa.ChunkedArray) else [chunked]
        key = (
            function.__name__,
            args,
            len(texts),
            tuple(texts.index[:1]),
            tuple(
                (chunk.offset, len(chunk), *(b.address if b is not None else 0 for b in chunk.buffers()))
                for chunk in chunks
            ),
        )
        for cached_key, _, result in memo:
            if cached_key == key and result.index.equals(texts.index):
                return result
        result = function(texts, *args)
        memo.insert(0, (key, chunked, result))
        del memo[_SCOPE_SIZE:]
        return result

    return wrapper


def _by_distinct(parse):
    """Parse each distinct text once and spread the results over the rows (an export repeats
    a few thousand dates and code lists over millions of rows): the same result, row for
    row, as parsing every row. `parse` works row by row and gives a Series or DataFrame."""

    @wraps(parse)
    def wrapper(texts, *args):
        encoded = to_arrow(texts).dictionary_encode()
        distinct = pa.concat_arrays([encoded.dictionary, pa.nulls(1, pa.large_string())])  # the last: missing
        parsed = parse(pd.Series(pd.array(distinct, dtype="string")), *args)
        at = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy(zero_copy_only=False)
        return parsed.take(at).set_axis(texts.index)

    return wrapper


# ----------------------------------------------------------------------------- text


def fullmatch(texts: pd.Series, pattern: str) -> np.ndarray:
    """True where the whole text matches `pattern` (RE2 syntax); False for missing."""
    matched = pc.match_substring_regex(to_arrow(texts), f"^(?:{pattern})$")
    return matched.fill_null(False).to_numpy(zero_copy_only=False)


# ----------------------------------------------------------------------------- numbers


def integer_pattern(decimal: str) -> str:
    return rf"[+-]?[0-9]+(?:{re.escape(decimal)}0+)?"


def number_pattern(decimal: str) -> str:
    return rf"[+-]?[0-9]+(?:{re.escape(decimal)}[0-9]+)?"


def _texts_to_float(texts: pd.Series, valid: np.ndarray, decimal: str) -> pd.Series:
    values = to_arrow(texts).filter(pa.array(valid))
    if decimal != ".":
        values = pc.replace_substring(values, decimal, ".")
    out = np.full(len(texts), np.nan)
    out[valid] = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
    return pd.Series(out, index=texts.index)


@_memoized
@_by_distinct
def integer_values(texts: pd.Series, decimal: str = ".") -> pd.Series:
    """The integers written in `texts` (float64, NaN where not an integer or missing)."""
    return _texts_to_float(texts, fullmatch(texts, integer_pattern(decimal)), decimal)


@_memoized
@_by_distinct
def number_values(texts: pd.Series, decimal: str = ".") -> pd.Series:
    """The numbers written in `texts` (float64, NaN where not a number or missing)."""
    return _texts_to_float(texts, fullmatch(texts, number_pattern(decimal)), decimal)


# ----------------------------------------------------------------------------- dates


@_memoized
@_by_distinct
def date_values(texts: pd.Series, date_format: str = ISO_DATE) -> pd.Series:
    """The real calendar dates written in `texts` in `date_format` (datetime64[ns], NaT where
    invalid or missing)."""
    layout = date_layout(date_format)
    shaped = fullmatch(texts, layout.pattern)
    year, month, day = _date_fields(to_arrow(texts).filter(pa.array(shaped)), layout)
    first_of_month = (year - 1970) * 12 + (month - 1)
    month_ok = (month >= 1) & (month <= 12)
    first_of_month = np.where(month_ok, first_of_month, 0).astype("datetime64[M]")
    month_days = ((first_of_month + 1).astype("datetime64[D]") - first_of_month.astype("datetime64[D]")).astype(int)
    real = month_ok & (day >= 1) & (day <= month_days)
    dates = first_of_month.astype("datetime64[D]") + (day - 1)
    out = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[ns]")
    positions = np.flatnonzero(shaped)[real]
    out[positions] = dates[real].astype("datetime64[ns]")
    return pd.Series(out, index=texts.index)


def _date_fields(array: pa.Array, layout: DateLayout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of strings all shaped as `layout` (ASCII, `layout.width` bytes each), from the bytes."""
    if len(array) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    array = pa.concat_arrays([array])  # fresh, contiguous buffers
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    digits = data.reshape(len(array), layout.width).astype(np.int64) - ord("0")

    def field(directive: str) -> np.ndarray:
        start, width = layout.starts[directive], _DATE_FIELDS[directive][1]
        return digits[:, start : start + width] @ (10 ** np.arange(width - 1, -1, -1))

    return field("%Y"), field("%m"), field("%d")


# ----------------------------------------------------------------------------- intervention codes

# A visit's codes are held as the bits of an int64 (bit i: the i-th code of the codebook).
MAX_CODES = 63


@_memoized
@_by_distinct
def parse_codes(texts: pd.Series, codes: tuple[int, ...]) -> pd.DataFrame:
    """Intervention code lists: `bits` (bit i set for the i-th of the ascending `codes`, the
    codebook's), `unknown`, `repeated` per row.

    Codes are separated by `;`, whitespace around a code is ignored; a token that is not one of
    `codes` written as digits is unknown; a missing field has no codes (bits 0).
    """
    if len(codes) > MAX_CODES:
        raise ValueError(f"at most {MAX_CODES} intervention codes, not {len(codes)}")
    lists = pc.split_pattern(to_arrow(texts), ";")
    tokens_per_row = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False)
    tokens = pa.array([str(code) for code in codes], type=pa.large_string())
    # value id i of a token is the i-th code; anything else is not a code
    value_ids = pc.index_in(pc.utf8_trim_whitespace(pc.list_flatten(lists)), value_set=tokens)
    known = value_ids.is_valid().to_numpy(zero_copy_only=False)
    token_bits = np.where(known, np.left_shift(np.int64(1), value_ids.fill_null(0).to_numpy().astype(np.int64)), 0)
    bits = _per_row(np.bitwise_or, token_bits.astype(np.int64), tokens_per_row)
    n_known = _per_row(np.add, known.astype(np.int32), tokens_per_row)
    return pd.DataFrame(
        {
            "bits": bits,
            "unknown": n_known < tokens_per_row,
            "repeated": n_known > np.bitwise_count(bits),
        },
        index=texts.index,
    )


def _per_row(ufunc: np.ufunc, values: np.ndarray, per_row: np.ndarray) -> np.ndarray:
    """`ufunc` reduced over consecutive runs of `values`, `per_row[i]` of them for row i (0 for none)."""
    out = np.zeros(len(per_row), dtype=values.dtype)
    filled = per_row > 0
    if filled.any():
        starts = np.concatenate([[0], np.cumsum(per_row)[:-1]])
        out[filled] = ufunc.reduceat(values, starts[filled])
    return out


def canonical_codes(bits: np.ndarray, codes: tuple[int, ...]) -> pa.Array:
    """The codes of each bit set (`parse_codes`), ascending, joined by `;` ("" for none).

    Each distinct set is written once (an export holds a few hundred of them)."""
    distinct, at = np.unique(np.asarray(bits, dtype=np.int64), return_inverse=True)
    texts = [";".join(str(code) for i, code in enumerate(codes) if value >> i & 1) for value in distinct.tolist()]
    return pa.array(texts, type=pa.large_string()).take(pa.array(at.reshape(-1)))


def code_rows(lists: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(row, code) of every code of canonical code lists (`canonical_codes`: ascending
    integers joined by `;`, "" for none, null when missing), in row order, codes ascending."""
    split = pc.split_pattern(lists, ";")
    tokens = pc.list_flatten(split)
    rows = pc.list_parent_indices(split).to_numpy(zero_copy_only=False)
    coded = pc.not_equal(tokens, "").to_numpy(zero_copy_only=False)
    codes = pc.cast(tokens.filter(pa.array(coded)), pa.int64()).to_numpy(zero_copy_only=False)
    return rows[coded].astype(np.int64), codes


def codes_as_set_text(texts: pd.Series) -> pd.Series:
    """The distinct stripped tokens of each code list, sorted and joined (missing stays missing)."""
    lists = pc.split_pattern(to_arrow(texts), ";")
    tokens = pd.DataFrame(
        {
            "row": pc.list_parent_indices(lists).to_numpy(),
            "token": pd.Series(pc.utf8_trim_whitespace(pc.list_flatten(lists)), dtype="string"),
        }
    )
    tokens = tokens.drop_duplicates().sort_values(["row", "token"])
    counts = np.bincount(tokens["row"].to_numpy(), minlength=len(texts))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), type=pa.int64())
    joined = pc.binary_join(
        pa.LargeListArray.from_arrays(offsets, to_arrow(tokens["token"])),
        pa.scalar(";", pa.large_string()),
    )
    return pd.Series(joined, dtype="string", index=texts.index).mask(texts.isna())
