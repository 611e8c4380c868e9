"""numbers.csv: every number the report states, `key,value`, full precision.

A step writes its part as a fragment (`numbers/<part>.csv`); the step `collect_numbers` joins the
fragments in PARTS order and refuses a key that two fragments (or one) define twice.
Values: `repr` of a float, `str` of an int, empty when not computable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from rehab.core.errors import PipelineError
from rehab.core.safe_io import write_csv
from rehab.outputs.number_parts import PARTS  # noqa: F401 - the join order, re-exported with the fragments' code

KEY_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
# The values are numbers the pipeline computed, written as text: exempt from masking by their
# source (rehab.core.safe_io), so a float's repr is never cut (`0.1234567890` stays whole).
PIPELINE_MADE = ["value"]


class DuplicateNumberKeyError(PipelineError):
    """Two numbers share one key, so numbers.csv would be ambiguous."""


def format_value(value) -> str:
    """The text of one number: `str` of an int, `repr` of a float, empty when missing."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return ""
    return repr(number + 0.0)  # + 0.0 turns -0.0 into 0.0


def parse_value(text: str) -> int | float | None:
    """The inverse of format_value."""
    if text is None or text == "":
        return None
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def numbers_frame(numbers: Mapping[str, object]) -> pd.DataFrame:
    """`key,value` rows in the mapping's order; keys must be dotted lower case."""
    bad = [key for key in numbers if not KEY_PATTERN.match(key)]
    if bad:
        raise ValueError(f"numbers keys must be dotted lower case: {bad[:5]}")
    return pd.DataFrame(
        {"key": list(numbers), "value": [format_value(value) for value in numbers.values()]}, dtype="string"
    )


def write_fragment(numbers: Mapping[str, object], path: str | Path) -> None:
    write_csv(numbers_frame(numbers), path, pipeline_made=PIPELINE_MADE)


def read_numbers_text(path: str | Path) -> pd.DataFrame:
    """A numbers file as text (`key`, `value`; empty values stay empty strings)."""
    return pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[])


def read_numbers(paths: str | Path | Sequence[str | Path]) -> dict[str, int | float | None]:
    """numbers.csv, a fragment, or several fragments (joined as collect_numbers joins them,
    a repeated key refused) as a dict of parsed values."""
    frame = collect_fragments([paths] if isinstance(paths, (str, Path)) else paths)
    return {key: parse_value(value) for key, value in zip(frame["key"], frame["value"], strict=True)}


def collect_fragments(paths: Sequence[str | Path]) -> pd.DataFrame:
    """The fragments concatenated in the given order; DuplicateNumberKeyError on a repeated key."""
    frames = [read_numbers_text(path).assign(source=Path(path).name) for path in paths]
    joined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["key", "value", "source"])
    repeated = joined[joined["key"].duplicated(keep=False)]
    if len(repeated):
        listing = "; ".join(
            f"{key} (in {', '.join(sorted(set(group['source'])))})" for key, group in repeated.groupby("key", sort=True)
        )
        raise DuplicateNumberKeyError(f"numbers.csv would define these keys more than once: {listing}")
    return joined[["key", "value"]]


def write_numbers(paths: Sequence[str | Path], output: str | Path) -> pd.DataFrame:
    table = collect_fragments(paths)
    write_csv(table, output, pipeline_made=PIPELINE_MADE)
    return table
