"""Descriptive statistics and tests of the paper's tables (available-case analysis).

Every function takes values that may hold missing entries, uses only the valid ones, and
returns None for a statistic that cannot be computed (valid n too small), never NaN.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable

import numpy as np
import pandas as pd

DEFAULT_QUANTILE_METHOD = "weibull"  # SPSS: weighted average at (n + 1)p


def valid_values(values: Iterable) -> np.ndarray:
    """The non-missing values as a float array (pandas NA, NaN and None are missing)."""
    series = pd.Series(values, dtype="Float64") if not isinstance(values, pd.Series) else values
    return series.dropna().to_numpy(dtype="float64")


def as_number(value) -> float | None:
    """A Python float, or None for missing/NaN; -0.0 becomes 0.0."""
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number + 0.0


def quantiles(
    values: Iterable,
    probs=(0.25, 0.5, 0.75),
    method: str = DEFAULT_QUANTILE_METHOD,
    decimals: int | None = None,
) -> list[float] | None:
    """Quantiles of the valid values by numpy's `method`; None when there are none.

    `decimals` rounds them (numpy's round half to even, on the binary value): for values
    recorded at a few decimals, whose interpolated quantiles carry binary noise
    (−22.849999999999998 for −22.85) that display rounding half-up would otherwise see.
    """
    array = valid_values(values)
    if array.size == 0:
        return None
    found = np.quantile(array, list(probs), method=method)
    if decimals is not None:
        found = np.round(found, decimals)
    return [as_number(q) for q in found]


def median_iqr(values: Iterable, method: str = DEFAULT_QUANTILE_METHOD, decimals: int | None = None) -> dict:
    """`median`, `q1`, `q3` (None when no valid value; rounded to `decimals` when given) and `valid_n`."""
    array = valid_values(values)
    found = quantiles(array, method=method, decimals=decimals)
    q1, median, q3 = found if found is not None else (None, None, None)
    return {"median": median, "q1": q1, "q3": q3, "valid_n": int(array.size)}


def mean_sd_range(values: Iterable) -> dict:
    """`mean`, sample `sd` (n − 1; None below 2 values), `min`, `max` and `valid_n`."""
    array = valid_values(values)
    n = int(array.size)
    if n == 0:
        return {"mean": None, "sd": None, "min": None, "max": None, "valid_n": 0}
    sd = as_number(np.std(array, ddof=1)) if n > 1 else None
    return {
        "mean": as_number(np.mean(array)),
        "sd": sd,
        "min": as_number(array.min()),
        "max": as_number(array.max()),
        "valid_n": n,
    }


def percentage(count: int, valid_n: int) -> float | None:
    """`count` as a percentage of `valid_n`; None when `valid_n` is 0."""
    return 100.0 * count / valid_n if valid_n else None


def count_pct(flags: pd.Series) -> dict:
    """`n` True among the valid entries of a boolean series, `pct` of `valid_n`."""
    valid = flags.dropna().astype(bool)
    n, valid_n = int(valid.sum()), int(valid.size)
    return {"n": n, "pct": percentage(n, valid_n), "valid_n": valid_n}


def level_counts(values: pd.Series, levels: list[str]) -> dict:
    """Per level `n` and `pct` of the valid entries; `valid_n` of the whole variable."""
    valid = values.dropna().astype("string")
    counts = valid.value_counts()
    valid_n = int(valid.size)
    result: dict = {"valid_n": valid_n}
    for level in levels:
        n = int(counts.get(level, 0))
        result[level] = {"n": n, "pct": percentage(n, valid_n)}
    return result


def wilson_interval(count, nobs, confidence_level: float = 0.95):
    """Wilson interval of count/nobs in percent (statsmodels); arrays in, arrays out.

    Scalars give a (low, high) tuple, (None, None) when nobs is 0.
    """
    # Imported here: statsmodels takes seconds to load and most table jobs never need it.
    from statsmodels.stats.proportion import proportion_confint

    count_array = np.asarray(count, dtype="float64")
    nobs_array = np.asarray(nobs, dtype="float64")
    safe_nobs = np.where(nobs_array > 0, nobs_array, 1.0)
    low, high = proportion_confint(count_array, safe_nobs, alpha=1 - confidence_level, method="wilson")
    low = np.where(nobs_array > 0, np.asarray(low) * 100.0, np.nan)
    high = np.where(nobs_array > 0, np.asarray(high) * 100.0, np.nan)
    if count_array.ndim == 0 and nobs_array.ndim == 0:
        return as_number(low), as_number(high)
    return low, high


def wilcoxon_p(differences: Iterable) -> float | None:
    """Two-sided p of the Wilcoxon signed-rank test of paired differences (zeros dropped, as
    SPSS does); None when no difference is non-zero."""
    from scipy import stats as scipy_stats  # imported here, as statsmodels above

    array = valid_values(differences)
    if np.count_nonzero(array) == 0:
        return None
    result = scipy_stats.wilcoxon(array, zero_method="wilcox", alternative="two-sided")
    return as_number(result.pvalue)


def named_generator(seed: int, *names: str) -> np.random.Generator:
    """A random generator from the configured `seed` and the names of what it draws for
    (instrument, time point, purpose), so that adding an instrument or a time point leaves
    the others' draws unchanged."""
    return np.random.default_rng([seed, zlib.crc32(".".join(names).encode())])
