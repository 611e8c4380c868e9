"""Effect sizes of a paired change (Table 4 and the maintenance analysis).

For the changes of the complete pairs (a value at both time points):

- the median and quartiles (the cohort's quantile method) and the two-sided Wilcoxon
  signed-rank p (`rehab.analysis.stats.wilcoxon_p`: zero differences dropped, scipy's `wilcox`);
- the Hodges–Lehmann estimate and its confidence interval, inverting the signed-rank test as
  R's `wilcox.test(conf.int = TRUE)` does (`rehab.analysis.signed_rank`: zero changes dropped
  as by the p; exact with few changes and no ties, else the tie- and continuity-corrected
  normal approximation);
- the mean and its t interval (statsmodels `DescrStatsW.tconfint_mean`);
- the signed Z of the signed-rank test's normal approximation (scipy, zeros dropped, tie
  corrected, no continuity correction; positive when the values rose) and r = Z / √n with
  n = the non-zero changes the test used;
- the paths taken, for the methods text: `n_zero` (zero changes dropped), `ties` (1 when two
  non-zero changes share an absolute value), `p_exact` | `p_permutation` | `p_normal` (1 for
  the p's path) and `hl_ci_exact` (1: exact interval, 0: normal approximation).

Quantiles are rounded to `VALUE_DECIMALS` like the changes, so binary noise never reaches
display rounding; Walsh averages are exact on that grid; means and intervals keep full precision.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from rehab.analysis.signed_rank import P_PATHS, VALUE_DECIMALS, hodges_lehmann, signed_rank_paths
from rehab.analysis.stats import as_number, median_iqr, valid_values, wilcoxon_p

PATH_STATISTICS = ("n_zero", "ties", *(f"p_{path}" for path in P_PATHS), "hl_ci_exact")
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
    *PATH_STATISTICS,
)


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


def path_flags(changes: Iterable) -> dict:
    """`PATH_STATISTICS`: the zeros dropped, ties, the p's path and the interval's (None
    where there is no test)."""
    paths = signed_rank_paths(changes)
    tested = paths.p_path is not None
    return {
        "n_zero": paths.n_zero,
        "ties": int(paths.ties),
        **{f"p_{path}": int(paths.p_path == path) if tested else None for path in P_PATHS},
        "hl_ci_exact": int(paths.interval_path == "exact") if tested else None,
    }


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
        **path_flags(array),
    }
    return {stat: effects[stat] for stat in EFFECT_STATISTICS}
