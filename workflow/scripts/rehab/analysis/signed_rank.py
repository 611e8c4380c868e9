"""The Wilcoxon signed-rank test of paired changes: which path its p takes, and the
Hodges–Lehmann estimate with the confidence interval that inverts the test, as R's
`wilcox.test(d, conf.int = TRUE)` computes it (R 4.2, stats:::wilcox.test.default).

Zero changes are dropped everywhere, as the p drops them (Wilcox's treatment; R drops them
for its interval too). Of the non-zero changes:

- the p (`rehab.analysis.stats.wilcoxon_p`, scipy.stats.wilcoxon with method "auto") is exact
  (the signed-rank null distribution) for at most 50 changes with no zero and no tie among
  their absolute values; a complete permutation (every one of the 2^n sign flips) for at
  most 13 changes with zeros or ties; otherwise the normal approximation with the tie
  correction and no continuity correction (`p_path`);
- the estimate is the median of the n(n + 1)/2 Walsh averages (x_i + x_j)/2, i ≤ j;
- the interval (`interval_path`) is exact when fewer than 50 changes hold no tie (and no zero
  was dropped): the Walsh averages of order q and M + 1 − q, M = n(n + 1)/2, q from the exact
  distribution (R's `qsignrank`). Otherwise it inverts the normal approximation with the tie
  correction and the continuity correction: the shifts d at which the standardised statistic
  of the changes minus d crosses ±z, found by R's root finder (`uniroot`, Brent's zeroin, to
  R's tolerance 1e-4) from the same start, so the interval is R's to every printed digit.
  No interval where R would lower the level ("requested conf.level not achievable").

The Walsh averages are never formed: they are counted on the 6-decimal grid of the changes
(`walsh_order_statistics`), so a million pairs need no more memory than the changes.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from rehab.analysis.stats import as_number, valid_values

VALUE_DECIMALS = 6  # changes, quantiles and Walsh averages are compared and stored at this precision
SCIPY_EXACT_MAX_CHANGES = 50  # scipy "auto": exact or permutation p up to 50 changes (zeros included)
SCIPY_PERMUTATION_MAX_CHANGES = 13  # scipy "auto": a complete permutation with zeros or ties up to 13
R_EXACT_BELOW = 50  # R: exact interval when fewer than 50 non-zero changes (`exact <- n < 50`)
ROOT_TOLERANCE = 1e-4  # R's `tol.root` default in wilcox.test
ROOT_MAX_ITERATIONS = 1000  # R's `uniroot` default
P_PATHS = ("exact", "permutation", "normal")
INTERVAL_PATHS = ("exact", "normal")


@dataclass(frozen=True)
class SignedRankPaths:
    """Which computation a set of changes gets: what a methods sentence needs.

    `p_path` (one of P_PATHS) is None when every change is zero (no test); `interval_path`
    (one of INTERVAL_PATHS) is None then too. `ties`: two non-zero changes share an absolute
    value. The continuity correction applies to the normal interval only (scipy's p has none)."""

    n: int
    n_zero: int
    ties: bool
    p_path: str | None
    interval_path: str | None

    @property
    def n_nonzero(self) -> int:
        return self.n - self.n_zero


def on_grid(values: np.ndarray) -> np.ndarray:
    """The values as integers on the 6-decimal grid (exact comparisons and Walsh sums)."""
    return np.rint(np.asarray(values, dtype="float64") * 10**VALUE_DECIMALS).astype(np.int64)


def signed_rank_paths(changes: Iterable) -> SignedRankPaths:
    """The p path scipy takes and the interval path R takes for these changes."""
    array = valid_values(changes)
    grid = on_grid(array)
    nonzero = grid[grid != 0]
    n, n_zero = int(array.size), int(array.size - nonzero.size)
    ties = bool(np.unique(np.abs(nonzero)).size < nonzero.size)
    if nonzero.size == 0:
        return SignedRankPaths(n, n_zero, ties, None, None)
    if n > SCIPY_EXACT_MAX_CHANGES:
        p_path = "normal"
    elif not ties and n_zero == 0:
        p_path = "exact"
    else:
        p_path = "permutation" if n <= SCIPY_PERMUTATION_MAX_CHANGES else "normal"
    exact_interval = nonzero.size < R_EXACT_BELOW and not ties and n_zero == 0
    return SignedRankPaths(n, n_zero, ties, p_path, "exact" if exact_interval else "normal")


# ---------------------------------------------------------------- exact distribution


def signed_rank_cdf(n: int) -> np.ndarray:
    """P(T+ ≤ t) for t = 0 … n(n + 1)/2: the exact null distribution of the signed-rank
    statistic of n pairs (no ties, no zeros), from its generating function ∏ (1 + x^k) / 2."""
    pmf = np.ones(1)
    for rank in range(1, n + 1):  # one factor per rank, not per data row
        pmf = (np.concatenate([pmf, np.zeros(rank)]) + np.concatenate([np.zeros(rank), pmf])) / 2
    return np.cumsum(pmf)


def exact_order(n: int, confidence_level: float) -> int | None:
    """q: the order (1-based) of the Walsh average that is the lower limit of the exact
    interval, as R takes it: `qsignrank(alpha / 2, n)` (the smallest t with P(T+ ≤ t) ≥ α/2,
    with R's fuzz of 10 machine epsilons), at least 1. None when the interval of order 1
    would miss the level by more than half of α (R: "requested conf.level not achievable");
    at 95% that is below 5 pairs."""
    alpha = 1 - confidence_level
    cdf = signed_rank_cdf(n)
    order = max(int(np.count_nonzero(cdf < alpha / 2 - 10 * sys.float_info.epsilon)), 1)
    achieved_alpha = 2 * cdf[order - 1]  # 1 − the coverage of the Walsh averages of order q and M + 1 − q
    return None if achieved_alpha - alpha > alpha / 2 else order


# ---------------------------------------------------------------- Walsh averages


def walsh_sums(values: np.ndarray, orders) -> np.ndarray:
    """The Walsh sums x_i + x_j, i ≤ j, on the grid of `VALUE_DECIMALS` (integers), of the
    given 1-based orders among all n(n + 1)/2 of them, without forming them (memory in n,
    not n²).

    A bisection over the integers finds the smallest sum s with at least `order` sums ≤ s:
    exactly a Walsh sum. Each step counts the pairs with x_i + x_j ≤ s over the distinct
    values (their counts as weights), in O(u log u) for u distinct values.
    """
    levels, counts = np.unique(on_grid(values), return_counts=True)
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
    return low


def walsh_order_statistics(values: np.ndarray, orders) -> np.ndarray:
    """The Walsh averages (x_i + x_j)/2 of the given orders: each the double nearest to
    its exact value (one division of an integer), so no binary noise reaches display rounding."""
    return walsh_sums(values, orders) / (2 * 10**VALUE_DECIMALS)


def _walsh_sums_at_most(bounds, levels, counts, cumulative, position) -> np.ndarray:
    """For each bound s: the number of pairs i ≤ j with x_i + x_j ≤ s (values as levels and counts)."""
    ends = np.searchsorted(levels, bounds[:, None] - levels[None, :], side="right")  # levels b with u_a + u_b ≤ s
    later = cumulative[np.maximum(ends, position + 1)] - cumulative[position + 1]  # values of the levels a < b < end
    itself = np.where(ends > position, counts * (counts + 1) // 2, 0)  # pairs within level a (i ≤ j)
    return (counts * later + itself).sum(axis=1)


def walsh_median(values: np.ndarray) -> float:
    """The median of the n(n + 1)/2 Walsh averages, the double nearest to its exact value."""
    total = values.size * (values.size + 1) // 2
    middle = walsh_sums(values, [(total + 1) // 2, total // 2 + 1])
    return float(middle.sum() / (4 * 10**VALUE_DECIMALS))


# ---------------------------------------------------------------- R's normal-approximation interval


def standardized_statistic(levels: np.ndarray, counts: np.ndarray, shift: float) -> float:
    """R's W(d) of wilcox.test's interval: the signed-rank statistic of the changes minus
    `shift` (zeros dropped, mid-ranks for ties), centred, continuity corrected towards zero
    and divided by its tie-corrected standard deviation; NaN when no change is left.

    The changes come as their distinct values (`levels`) and `counts`: the ranks of equal
    values are equal, so the cost is in the distinct values. Each operation is R's own, in
    R's order, on the same doubles, so the value is R's bit for bit."""
    shifted = levels - shift
    kept = shifted != 0
    shifted, weights = shifted[kept], counts[kept]
    n = float(weights.sum())
    if n == 0:
        return math.nan
    magnitudes, group = np.unique(np.abs(shifted), return_inverse=True)
    sizes = np.bincount(group, weights=weights, minlength=magnitudes.size)
    mid_ranks = np.cumsum(sizes) - (sizes - 1) / 2
    t_plus = float((mid_ranks[group] * weights)[shifted > 0].sum())
    centred = t_plus - n * (n + 1) / 4
    ties = math.fsum(sizes**3 - sizes)
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - ties / 48)
    correction = math.copysign(0.5, centred) if centred != 0 else 0.0
    return (centred - correction) / sigma


def zeroin(
    f: Callable[[float], float],
    lower: float,
    upper: float,
    f_lower: float,
    f_upper: float,
    tolerance: float = ROOT_TOLERANCE,
    max_iterations: int = ROOT_MAX_ITERATIONS,
) -> float:
    """A root of `f` in [lower, upper] by R's `uniroot` (R_zeroin2 of R's stats/src/zeroin.c:
    Brent's zeroin from netlib, bisection with linear or inverse quadratic interpolation),
    translated operation by operation so that the same start gives R's root to the last bit.

    Written out because no Python library runs this variant: scipy's brentq takes other
    steps and stops elsewhere within the same tolerance (the reference cohort's NPRS at
    discharge: −1.999987 against R's −1.999984), and the exact crossing, a Walsh average,
    prints differently at one decimal where R stops short of it (DRI at discharge: the Walsh
    average −14.95 prints −15.0, R's −14.94992 prints −14.9)."""
    a, b, c = lower, upper, lower
    fa, fb, fc = f_lower, f_upper, f_lower
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(max_iterations + 1):
        previous_step = b - a
        if abs(fc) < abs(fb):  # b is the best approximation, c the other end of the bracket
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tolerance_now = 2 * sys.float_info.epsilon * abs(b) + tolerance / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tolerance_now or fb == 0.0:
            return b
        if abs(previous_step) >= tolerance_now and abs(fa) > abs(fb):
            cb = c - b
            if a == c:  # two distinct points: linear interpolation
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:  # inverse quadratic interpolation
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tolerance_now * q) / 2) and p < abs(previous_step * q / 2):
                new_step = p / q
        if abs(new_step) < tolerance_now:
            new_step = tolerance_now if new_step > 0 else -tolerance_now
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b  # R warns that the iteration limit was reached and returns the last approximation


def normal_interval(nonzero: np.ndarray, confidence_level: float) -> tuple[float, float] | None:
    """R's two-sided interval by the normal approximation (see the module's docstring), or
    None when it cannot reach the level (R would lower it) or every change is one value."""
    from scipy import stats as scipy_stats

    levels, counts = np.unique(nonzero, return_counts=True)
    lowest, highest = float(levels[0]), float(levels[-1])
    at_lowest = standardized_statistic(levels, counts, lowest)
    at_highest = standardized_statistic(levels, counts, highest) if math.isfinite(at_lowest) else math.nan
    if not (math.isfinite(at_lowest) and math.isfinite(at_highest)):
        return None
    z = float(scipy_stats.norm.isf((1 - confidence_level) / 2))
    if at_lowest - z < 0 or at_highest + z > 0:  # R would double α: the level is out of reach
        return None

    def root(quantile: float) -> float:
        return zeroin(
            lambda shift: standardized_statistic(levels, counts, shift) - quantile,
            lowest,
            highest,
            at_lowest - quantile,
            at_highest - quantile,
        )

    return root(z), root(-z)


# ---------------------------------------------------------------- the estimate and its interval


def hodges_lehmann(changes: Iterable, confidence_level: float = 0.95) -> dict:
    """`hl` (the median of the Walsh averages of the non-zero changes; 0 when every change
    is 0), `hl_ci_low`, `hl_ci_high` (None when not computable). The changes are taken at
    `VALUE_DECIMALS` decimals, as `rehab.analysis.outcomes.paired_values` rounds them; the
    estimate and an exact interval's limits are exact on that grid, the normal interval's
    limits R's roots at full precision."""
    array = valid_values(changes)
    if array.size == 0:
        return {"hl": None, "hl_ci_low": None, "hl_ci_high": None}
    grid = on_grid(array)
    nonzero = grid[grid != 0] / 10**VALUE_DECIMALS
    if nonzero.size == 0:
        return {"hl": 0.0, "hl_ci_low": None, "hl_ci_high": None}
    interval = None
    if signed_rank_paths(array).interval_path == "exact":
        order = exact_order(nonzero.size, confidence_level)
        if order is not None:
            total = nonzero.size * (nonzero.size + 1) // 2
            interval = tuple(walsh_order_statistics(nonzero, [order, total + 1 - order]))
    else:
        interval = normal_interval(nonzero, confidence_level)
    low, high = interval if interval is not None else (None, None)
    return {"hl": as_number(walsh_median(nonzero)), "hl_ci_low": as_number(low), "hl_ci_high": as_number(high)}
