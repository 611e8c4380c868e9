"""Display forms of the paper's tables: `42 ± 13.4 (18–77)`, `194 (71)`, `7 [5, 8]`.

Rounding is half-up on the decimal text of a number (Decimal(repr(x))), so 41.5 → 42 and
13.35 → 13.4 as a reader expects, not banker's rounding of the binary float. Anything that
cannot be computed is shown as an em dash, never `nan`.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

from rehab.core.safe_io import write_csv
from rehab.core.words import capitalize_first, join_words, lower_first  # noqa: F401 - the words of running text, here too

DASH = "—"


def fixed(value: float, digits: int = 0) -> str:
    """Round half up as the paper prints (12.5 -> 13), not Python's half-to-even; never "-0.0"
    (an interval's end a hair below zero reads 0.0, as in the tables)."""
    return str(round_half_up(float(value), digits))


def _decimal(value) -> Decimal | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        return Decimal(value) if value.strip() else None
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return None
    return Decimal(repr(number))


def round_half_up(value, decimals: int) -> Decimal | None:
    """`value` (number or its text) rounded half-up to `decimals`; None when missing."""
    exact = _decimal(value)
    if exact is None:
        return None
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded  # no "-0"


def fmt_number(value, decimals: int = 0) -> str:
    rounded = round_half_up(value, decimals)
    return DASH if rounded is None else str(rounded)


def fmt_count(value) -> str:
    return DASH if value is None else str(int(value))


def fmt_mean_sd_range(mean, sd, minimum, maximum, decimals: int = 0, sd_decimals: int = 1) -> str:
    """`42 ± 13.4 (18–77)`; a dash when the mean is missing."""
    if mean is None:
        return DASH
    return f"{fmt_mean_sd(mean, sd, decimals, sd_decimals)} ({fmt_number(minimum, decimals)}–{fmt_number(maximum, decimals)})"


def fmt_mean_sd(mean, sd, decimals: int = 1, sd_decimals: int = 1) -> str:
    """`25.0 ± 4.1`; a dash when the mean is missing (and for the SD of a single value)."""
    if mean is None:
        return DASH
    return f"{fmt_number(mean, decimals)} ± {fmt_number(sd, sd_decimals)}"


def fmt_n_pct(n, pct, decimals: int = 0) -> str:
    """`194 (71)`; a dash when the percentage cannot be computed (valid n of 0)."""
    if n is None or pct is None:
        return DASH
    return f"{int(n)} ({fmt_number(pct, decimals)})"


def fmt_median_iqr(median, q1, q3, decimals: int = 0) -> str:
    """`7 [5, 8]`; a dash when there is no valid value."""
    if median is None:
        return DASH
    return f"{fmt_number(median, decimals)} [{fmt_number(q1, decimals)}, {fmt_number(q3, decimals)}]"


def fmt_interval(low, high, decimals: int = 0) -> str:
    """`39–51`; a dash when either end is missing."""
    if low is None or high is None:
        return DASH
    return f"{fmt_number(low, decimals)}–{fmt_number(high, decimals)}"


def fmt_estimate_ci(estimate, low, high, decimals: int = 1) -> str:
    """`-1.5 (-2.5 to -0.5)`: an estimate with its interval ("to", as the ends may be
    negative); a dash for a missing estimate, `(—)` for an interval that cannot be computed."""
    if estimate is None:
        return DASH
    interval = DASH if low is None or high is None else f"{fmt_number(low, decimals)} to {fmt_number(high, decimals)}"
    return f"{fmt_number(estimate, decimals)} ({interval})"


def fmt_p(p) -> str:
    """`0.012`, `<0.001`; a dash when no test was possible."""
    if p is None:
        return DASH
    return "<0.001" if p < 0.001 else fmt_number(p, 3)


def write_table(table: pd.DataFrame, path: str | Path) -> None:
    """A display table as CSV, byte for byte the same for the same content."""
    write_csv(table, path)
