"""Rules over the rows of a table, vectorised over the whole table (the Pandera models'
dataframe checks): duplicate rows, rows that conflict on their key, dates in the wrong
order, rows in sorted order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from rehab.core.values import codes_as_set_text


def _rows_as_text(frame: pd.DataFrame, columns: list[str], code_column: str | None) -> pd.DataFrame:
    rows = frame[columns].copy()
    if code_column is not None:
        rows[code_column] = codes_as_set_text(rows[code_column])
    return rows.fillna("\x00")


def _sharing_rows(frame: pd.DataFrame, key: list[str]) -> np.ndarray:
    """True for each row whose values in `key` another row holds too (missing equals missing):
    `frame.duplicated(subset=key, keep=False)`, on Arrow dictionary codes of the text columns."""
    if not all(isinstance(frame[column].dtype, pd.StringDtype) for column in key):
        return frame.duplicated(subset=key, keep=False).to_numpy()
    combined = np.zeros(len(frame), dtype=np.int64)
    for column in key:
        encoded = pa.array(frame[column].array, from_pandas=True)
        encoded = (encoded.combine_chunks() if isinstance(encoded, pa.ChunkedArray) else encoded).dictionary_encode()
        size = len(encoded.dictionary) + 1  # the last code: missing
        codes = encoded.indices.fill_null(size - 1).to_numpy(zero_copy_only=False).astype(np.int64)
        if int(combined.max(initial=0)) >= (2**62) // size:  # keep the combined code within int64
            combined = pd.factorize(combined)[0].astype(np.int64)
        combined = combined * size + codes
    return pd.Series(combined).duplicated(keep=False).to_numpy()


def duplicate_rows(
    frame: pd.DataFrame, columns: list[str], prefilter: list[str], code_column: str | None = None
) -> pd.Series:
    """True for each row equal (as text) to an earlier row; only rows sharing `prefilter` can be."""
    candidates = _sharing_rows(frame, prefilter)
    later_copy = _rows_as_text(frame.loc[candidates], columns, code_column).duplicated(keep="first")
    out = pd.Series(False, index=frame.index)
    out.loc[later_copy.index[later_copy.to_numpy()]] = True
    return out


def conflicting_rows(frame: pd.DataFrame, columns: list[str], key: list[str]) -> pd.Series:
    """True for every row of a key shared by rows that differ elsewhere."""
    candidates = frame[key].notna().all(axis=1) & frame.duplicated(subset=key, keep=False)
    rows = _rows_as_text(frame.loc[candidates], columns, None)
    n_versions = rows.drop_duplicates().groupby(key).size()
    conflicted = n_versions.index[n_versions.to_numpy() > 1]
    in_conflict = (
        pd.MultiIndex.from_frame(rows[key]).isin(conflicted) if len(key) > 1 else rows[key[0]].isin(conflicted)
    )
    out = pd.Series(False, index=frame.index)
    out.loc[rows.index[np.asarray(in_conflict)]] = True
    return out


def not_after(earlier: pd.Series, later: pd.Series) -> pd.Series:
    """False where both dates are known and `earlier` is after `later`."""
    return ~(earlier > later).fillna(False)


def rows_ascending(frame: pd.DataFrame, columns: list[str], strictly: bool = False) -> bool:
    """True when the rows are sorted by `columns` (adjacent rows compared, no sort needed)."""
    if len(frame) < 2:
        return True
    decided = np.zeros(len(frame) - 1, dtype=bool)  # order already fixed by an earlier column
    for column in columns:
        values = frame[column]
        if isinstance(values.dtype, pd.StringDtype):
            array = pa.array(values.array)
            before, after = array[:-1], array[1:]
            less = pc.less(before, after).to_numpy(zero_copy_only=False)
            equal = pc.equal(before, after).to_numpy(zero_copy_only=False)
        else:
            numbers = values.to_numpy()
            less, equal = numbers[:-1] < numbers[1:], numbers[:-1] == numbers[1:]
        if not (decided | less | equal).all():
            return False
        decided |= less
    return bool(decided.all()) if strictly else True
