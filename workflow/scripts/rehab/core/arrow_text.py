"""Text columns as Arrow arrays: the form the vectorised parsers and the identity-number
matcher read (no Python string per value)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa


def to_arrow(texts: pd.Series) -> pa.Array:
    """A pandas text Series as one Arrow large-string array (missing = null)."""
    array = pa.array(texts.array if hasattr(texts, "array") else texts, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_large_string(array.type):
        array = array.cast(pa.large_string())
    return array
