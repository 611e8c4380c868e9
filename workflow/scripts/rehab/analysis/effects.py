"""Effect sizes of a paired change (Table 4 and the maintenance analysis).

For the changes of the complete pairs (a value at both time points):

- the median and quartiles (the cohort's quantile method) and the two-sided Wilcoxon
  signed-rank p (`rehab.analysis.stats.wilcoxon_p`: zero differences dropped, scipy's `wilcox`);
- the Hodges–Lehmann estimate (median of the n(n + 1)/2 Walsh averages (x_i + x_j)/2,
  i ≤ j, of every pair, zero changes included; found by counting, never formed, so a million
  pairs need no more memory than the changes) and its confidence interval by inverting the
  signed-rank test: the Walsh averages of order C and M + 1 − C, M = n(n + 1)/2, C from the
  exact null distribution of the signed-rank statistic up to 50 pairs (scipy.stats.wilcoxon's
  own switch to the normal approximation) and from the normal approximation above
  (Hollander, Wolfe & Chicken, Nonparametric Statistical Methods, 3rd ed., 2014, §3.2–3.3;
  R's `wilcox.test(conf.int = TRUE)` takes the same order statistics);
- the mean and its t interval (statsmodels `DescrStatsW.tconfint_mean`);
- the signed Z of the signed-rank test's normal approximation (scipy, zeros dropped, tie
  corrected, no continuity correction; positive when the values rose) and r = Z / √n with
  n = the non-zero changes the test used.

Quantiles and Hodges–Lehmann values are rounded to `VALUE_DECIMALS` like the changes, so
binary noise never reaches display rounding; means and intervals keep full precision.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from rehab.analysis.stats import as_number, median_iqr, valid_values, wilcoxon_p

VALUE_DECIMALS = 6  # changes, quantiles and Walsh averages are compared and stored at this precision
EXACT_MAX_PAIRS = 50  # scipy.stats.wilcoxon uses the exact distribution up to 50 pairs
EFFECT_STATISTICS = (
    "n",
    "median",
    "q1",
    "q3",
    "wilcoxon_p",
    "hl",
    "hl_ci_low",
    "hl_ci_high",
    "mean",
    "mean_ci_low",
    "mean_ci_high",
    "n_nonzero",
    "wilcoxon_z",
    "effect_r",
)


def signed_rank_cdf(n: int) -> np.ndarray:
    """P(T+ ≤ t) for t = 0 … n(n + 1)/2: the exact null distribution of the signed-rank
    statistic of n pairs (no ties, no zeros), from its generating function ∏ (1 + x^k) / 2."""
    pmf = np.ones(1)
    for rank in range(1, n + 1):  # one factor per rank, not per data row
        pmf = (np.concatenate([pmf, np.zeros(rank)]) + np.concatenate([np.zeros(rank), pmf])) / 2
    return np.cumsum(pmf)


def signed_rank_order(n: int, confidence_level: float) -> int:
    """C: the order (1-based) of the Walsh average that is the lower confidence limit, one
    more than the largest t with P(T+ ≤ t) ≤ (1 − level)/2, so that the interval covers at
    least `level`; 0 when n pairs cannot reach the level (fewer than 6 pairs at 95%)."""
    tail = (1 - confidence_level) / 2
    if n <= EXACT_MAX_PAIRS:
        return int(np.count_nonzero(signed_rank_cdf(n) <= tail))
    mean = n * (n + 1) / 4
    sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    from scipy import stats as scipy_stats

    z = scipy_stats.norm.ppf(1 - tail)
    return max(math.floor(mean + 0.5 - z * sd), 0)  # continuity corrected: P(T+ ≤ t) ≈ Φ((t + ½ − mean) / sd)


def walsh_order_statistics(values: np.ndarray, orders) -> np.ndarray:
    """The Walsh averages (x_i + x_j)/2, i ≤ j, of the given 1-based orders among all
    n(n + 1)/2 of them, without forming them (memory in n, not n²).

    On the grid of `VALUE_DECIMALS` every Walsh sum is an integer, so a bisection over the
    integers finds the smallest sum s with at least `order` sums ≤ s: exactly a Walsh sum.
    Each step counts the pairs with x_i + x_j ≤ s over the distinct values (their counts as
    weights), in O(u log u) for u distinct values.
    """
    levels, counts = np.unique(np.rint(values * 10**VALUE_DECIMALS).astype(np.int64), return_counts=True)
    cumulative = np.concatenate([[0], np.cumsum(counts)])
    position = np.arange(levels.size)
    orders = np.asarray(orders, dtype=np.int64)
    low = np.full(orders.size, 2 * levels[0])
    high = np.full(orders.size, 2 * levels[-1])
    while (low < high).any():  # about log2(range on the grid) steps, all orders at once
        middle = (low + high) // 2
        reached = _walsh_sums_at_most(middle, levels, counts, cumulative, position) >= orders
        high = np.where(reached, middle, high)
        low = np.where(reached, low, middle + 1)
    return low / (2 * 10**VALUE_DECIMALS)


def _walsh_sums_at_most(bounds, levels, counts, cumulative, position) -> np.ndarray:
    """For each bound s: the number of pairs i ≤ j with x_i + x_j ≤ s (values as levels and counts)."""
    ends = np.searchsorted(levels, bounds[:, None] - levels[None, :], side="right")  # levels b with u_a + u_b ≤ s
    later = cumulative[np.maximum(ends, position + 1)] - cumulative[position + 1]  # values of the levels a < b < end
    itself = np.where(ends > position, counts * (counts + 1) // 2, 0)  # pairs within level a (i ≤ j)
    return (counts * later + itself).sum(axis=1)


def walsh_median(values: np.ndarray) -> float:
    """The median of the n(n + 1)/2 Walsh averages."""
    total = values.size * (values.size + 1) // 2
    middle = walsh_order_statistics(values, [(total + 1) // 2, total // 2 + 1])
    return float(middle.mean())


def _rounded(value) -> float | None:
    number = as_number(value)
    return None if number is None else as_number(round(number, VALUE_DECIMALS))


def hodges_lehmann(changes: Iterable, confidence_level: float = 0.95) -> dict:
    """`hl`, `hl_ci_low`, `hl_ci_high` of the valid changes (None when not computable); the
    changes are taken at `VALUE_DECIMALS` decimals, as `rehab.analysis.outcomes.paired_values` rounds them."""
    array = valid_values(changes)
    if array.size == 0:
        return {"hl": None, "hl_ci_low": None, "hl_ci_high": None}
    total = array.size * (array.size + 1) // 2
    order = signed_rank_order(array.size, confidence_level)
    # the median's two middle orders and the interval's two orders, in one bisection
    found = walsh_order_statistics(array, [(total + 1) // 2, total // 2 + 1, max(order, 1), total + 1 - max(order, 1)])
    low, high = (found[2], found[3]) if order > 0 else (None, None)
    return {"hl": _rounded(found[:2].mean()), "hl_ci_low": _rounded(low), "hl_ci_high": _rounded(high)}


def mean_interval(changes: Iterable, confidence_level: float = 0.95) -> dict:
    """`mean`, `mean_ci_low`, `mean_ci_high` (t interval; None below 2 values)."""
    array = valid_values(changes)
    if array.size == 0:
        return {"mean": None, "mean_ci_low": None, "mean_ci_high": None}
    if array.size < 2:
        return {"mean": as_number(array.mean()), "mean_ci_low": None, "mean_ci_high": None}
    from statsmodels.stats.weightstats import DescrStatsW

    described = DescrStatsW(array)
    low, high = described.tconfint_mean(alpha=1 - confidence_level)
    return {"mean": as_number(described.mean), "mean_ci_low": as_number(low), "mean_ci_high": as_number(high)}


def wilcoxon_effect(changes: Iterable) -> dict:
    """`n_nonzero`, the signed `wilcoxon_z` of the normal approximation and `effect_r` = Z/√n_nonzero."""
    array = valid_values(changes)
    nonzero = int(np.count_nonzero(array))
    if nonzero == 0:
        return {"n_nonzero": 0, "wilcoxon_z": None, "effect_r": None}
    # alternative="greater" keeps Z's sign (two-sided reports −|Z|); its p is not used
    from scipy import stats as scipy_stats

    result = scipy_stats.wilcoxon(array, zero_method="wilcox", method="asymptotic", alternative="greater")
    z = as_number(result.zstatistic)
    return {"n_nonzero": nonzero, "wilcoxon_z": z, "effect_r": None if z is None else z / math.sqrt(nonzero)}


def paired_effects(changes: Iterable, quantile_method: str, confidence_level: float = 0.95) -> dict:
    """Every statistic of `EFFECT_STATISTICS` for the changes of complete pairs."""
    array = valid_values(changes)
    summary = median_iqr(array, quantile_method, decimals=VALUE_DECIMALS)
    effects = {
        "n": summary["valid_n"],
        **{stat: summary[stat] for stat in ("median", "q1", "q3")},
        "wilcoxon_p": wilcoxon_p(array),
        **hodges_lehmann(array, confidence_level),
        **mean_interval(array, confidence_level),
        **wilcoxon_effect(array),
    }
    return {stat: effects[stat] for stat in EFFECT_STATISTICS}
