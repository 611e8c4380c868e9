"""Reproduction check: the paper's published values against this run's numbers.

Each published value is the printed text (its decimals define the rounding); the
reproduced value is the numbers.csv value rounded half-up to those decimals.
A mismatch is a finding of the report, not an error of the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
import yaml

from rehab.core.errors import PipelineError
from rehab.core.formatting import round_half_up
from rehab.core.privacy import shown

COLUMNS = ["key", "published", "reproduced", "matches", "source", "label"]


class PublishedValuesError(PipelineError):
    """config/published.yaml is not a list of key / published / source / label entries."""


def decimals_of(printed: str) -> int:
    """Decimals of a printed number: "25.0" → 1, "42" → 0."""
    exponent = Decimal(printed).as_tuple().exponent
    return max(0, -int(exponent))


def reproduce(value: str | None, decimals: int) -> str:
    """The numbers.csv text `value` rounded half-up to `decimals`; "" when missing."""
    rounded = round_half_up(value, decimals) if value not in (None, "") else None
    return "" if rounded is None else str(rounded)


def load_published(path: str | Path) -> list[dict]:
    """The published values: each with key, published (text), source and label."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    entries = document.get("values") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise PublishedValuesError(f"{path}: expected a top-level `values:` list")
    problems = []
    for index, entry in enumerate(entries):
        printed = entry.get("published") if isinstance(entry, dict) else None
        if not isinstance(printed, str) or not entry.get("key"):
            problems.append(f'entry {index + 1}: needs `key` and `published` as quoted text (e.g. "25.0")')
            continue
        try:
            decimals_of(printed)
        except InvalidOperation:
            problems.append(f"entry {index + 1} ({entry['key']}): `published` {shown(printed)} is not a number")
    keys = [entry.get("key") for entry in entries if isinstance(entry, dict)]
    problems += [f"key {key} is listed twice" for key in sorted({k for k in keys if keys.count(k) > 1})]
    if problems:
        raise PublishedValuesError(f"{path}:\n  " + "\n  ".join(problems))
    return [
        {
            "key": e["key"],
            "published": e["published"],
            "source": str(e.get("source", "")),
            "label": str(e.get("label", "")),
        }
        for e in entries
    ]


def reproduction_table(published: list[dict], numbers: Mapping[str, str]) -> pd.DataFrame:
    """key, published, reproduced, matches (true/false), source, label — in published order.

    `numbers` maps keys to their numbers.csv text; a key it lacks is reproduced as empty."""
    rows = []
    for entry in published:
        reproduced = reproduce(numbers.get(entry["key"]), decimals_of(entry["published"]))
        matches = reproduced != "" and Decimal(reproduced) == Decimal(entry["published"])
        rows.append({**entry, "reproduced": reproduced, "matches": "true" if matches else "false"})
    return pd.DataFrame(rows, columns=COLUMNS)
