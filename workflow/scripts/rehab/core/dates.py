"""Date formats of the raw export (`dialect.date_format`): a fixed-width strptime-style format
made of %Y, %m and %d. Standard library only, so the config check at workflow start can
validate a format without loading the data stack."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rehab.core.privacy import shown

DATE_FIELDS = {"%Y": ("YYYY", 4), "%m": ("MM", 2), "%d": ("DD", 2)}
_DATE_FIELDS = DATE_FIELDS


@dataclass(frozen=True)
class DateLayout:
    """A date format of fixed width: where its year, month and day digits stand."""

    pattern: str  # RE2, the whole text
    shape: str  # e.g. YYYY-MM-DD
    width: int  # characters of every date written in it
    starts: dict[str, int]  # "%Y"/"%m"/"%d" -> first character


def date_layout(date_format: str) -> DateLayout:
    """The layout of a strptime-style format made of `%Y`, `%m`, `%d` (each once: four, two and
    two digits) and literal characters (`%%` for `%`); ValueError for anything else."""
    pattern, shape, starts, position = [], [], {}, 0
    for directive, literal in re.findall(r"(%.)|([^%]+|%$)", date_format):
        if literal:
            if literal == "%" or not literal.isascii():
                raise ValueError(
                    f"date format {shown(date_format)}: only ASCII characters besides %Y, %m, %d (%% for %)"
                )
            pattern.append(re.escape(literal))
            shape.append(literal)
            position += len(literal)
        elif directive == "%%":
            pattern.append("%")
            shape.append("%")
            position += 1
        elif directive in _DATE_FIELDS and directive not in starts:
            placeholder, digits = _DATE_FIELDS[directive]
            pattern.append(f"[0-9]{{{digits}}}")
            shape.append(placeholder)
            starts[directive] = position
            position += digits
        else:
            raise ValueError(f"date format {shown(date_format)}: {directive} is not one of %Y, %m, %d (each once)")
    if set(starts) != set(_DATE_FIELDS):
        raise ValueError(f"date format {shown(date_format)} needs %Y, %m and %d")
    return DateLayout("".join(pattern), "".join(shape), position, starts)
