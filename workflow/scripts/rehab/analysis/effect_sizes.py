"""Intervals for the effect size r and the baseline–change correlation.

- r = Z / √n of every paired change (Table 4's changes from the baseline and the maintenance
  changes between later time points; `rehab.analysis.effects.wilcoxon_effect`) gets a seeded
  bootstrap percentile interval: the changes are resampled with replacement
  `analysis.bootstrap.replicates` times, r is recomputed on each resample exactly as on the
  data (zeros dropped, mid-ranks, tie-corrected variance), and the interval is the α/2 and
  1 − α/2 quantiles of the replicates (numpy's default, linear interpolation). A resample is
  drawn as its counts of each distinct change (multinomial: the same distribution as drawing
  the changes), so the cost is replicates × distinct changes, not × patients; a resample
  whose changes are all zero has no r and is left out.
- Regression to the mean: Spearman's ρ between the baseline value and the change from it
  (scipy.stats.spearmanr), over the complete pairs of every later time point. In a
  before–after cohort without a control group a negative ρ is expected from measurement error
  alone, so it qualifies the changes rather than explaining them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rehab.analysis.maintenance import consecutive_followed, interval_key, maintenance_prefix
from rehab.analysis.outcomes import EFFECT_R_DECIMALS, OutcomePanel, change_prefix, paired_values
from rehab.analysis.signed_rank import on_grid
from rehab.analysis.stats import as_number, named_generator, valid_values
from rehab.core.formatting import fmt_count, fmt_estimate_ci, fmt_number, fmt_p
from rehab.core.study import Study

CORRELATION_STATS = ("rho", "p", "n")
MAX_CELLS = 2_000_000  # replicates × distinct changes held at once


@dataclass(frozen=True)
class BootstrapSettings:
    replicates: int
    seed: int

    @classmethod
    def from_config(cls, settings: Mapping) -> BootstrapSettings:
        """From `analysis.bootstrap`."""
        return cls(replicates=int(settings["replicates"]), seed=int(settings["seed"]))


def signed_rank_r(counts: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """r = Z / √n of each row of `counts` (how many changes of each distinct value in
    `levels`, non-zero, on the 6-decimal grid): the signed-rank statistic's normal
    approximation with mid-ranks and the tie-corrected variance, no continuity correction,
    n the non-zero changes (scipy's `wilcoxon(method="asymptotic")`, signed); NaN where a
    row has no change or no spread."""
    magnitudes, group = np.unique(np.abs(levels), return_inverse=True)
    positive = levels > 0
    sizes = np.zeros((counts.shape[0], magnitudes.size))
    for side in (positive, ~positive):  # within one side every level has its own magnitude
        sizes[:, group[side]] += counts[:, side]
    mid_ranks = np.cumsum(sizes, axis=1) - (sizes - 1) / 2
    t_plus = (counts[:, positive] * mid_ranks[:, group[positive]]).sum(axis=1)
    n = sizes.sum(axis=1)
    variance = n * (n + 1) * (2 * n + 1) / 24 - (sizes**3 - sizes).sum(axis=1) / 48
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (t_plus - n * (n + 1) / 4) / np.sqrt(variance)
        return np.where((n > 0) & (variance > 0), z / np.sqrt(n), np.nan)


def bootstrap_r_interval(
    changes, confidence_level: float, replicates: int, rng: np.random.Generator
) -> tuple[float | None, float | None]:
    """The percentile interval of r over `replicates` resamples of the changes (None without
    a non-zero change)."""
    grid = on_grid(valid_values(changes))
    if np.count_nonzero(grid) == 0:
        return None, None
    levels, counts = np.unique(grid, return_counts=True)
    nonzero = levels != 0
    chunk = max(1, MAX_CELLS // levels.size)
    found = []
    for start in range(0, replicates, chunk):  # a few chunks at most; the draws are the same in one
        drawn = rng.multinomial(grid.size, counts / grid.size, size=min(chunk, replicates - start))
        found.append(signed_rank_r(drawn[:, nonzero].astype("float64"), levels[nonzero].astype("float64")))
    r = np.concatenate(found)
    r = r[~np.isnan(r)]
    if r.size == 0:
        return None, None
    tail = (1 - confidence_level) / 2
    low, high = np.quantile(r, [tail, 1 - tail])
    return as_number(low), as_number(high)


def effect_size_numbers(
    outcomes: pd.DataFrame | OutcomePanel, study: Study, confidence_level: float, bootstrap: BootstrapSettings
) -> dict:
    """`effect_sizes.<instrument>.<later>.r_ci_low|r_ci_high` (change from the baseline),
    `effect_sizes.<instrument>.<from>_to_<to>.r_ci_low|r_ci_high` (maintenance) and the
    settings `effect_sizes.bootstrap.replicates|seed`."""
    panel = OutcomePanel.of(outcomes)
    numbers: dict = {
        "effect_sizes.bootstrap.replicates": bootstrap.replicates,
        "effect_sizes.bootstrap.seed": bootstrap.seed,
    }
    changes = [(timepoint.name, study.baseline.name, timepoint.name) for timepoint in study.followed]
    changes += [
        (interval_key(earlier, later), earlier.name, later.name) for earlier, later in consecutive_followed(study)
    ]
    for instrument in study.instrument_names:
        for key, before, after in changes:
            change = paired_values(panel, instrument, after, before)["change"]
            rng = named_generator(bootstrap.seed, instrument, key, "bootstrap")
            low, high = bootstrap_r_interval(change, confidence_level, bootstrap.replicates, rng)
            numbers |= {
                f"effect_sizes.{instrument}.{key}.r_ci_low": low,
                f"effect_sizes.{instrument}.{key}.r_ci_high": high,
            }
    return numbers


def effect_sizes_table(numbers: Mapping, study: Study) -> pd.DataFrame:
    """outcome, from, to, pairs, r (its bootstrap interval): the changes from the
    baseline (Table 4), then those between consecutive later time points (maintenance)."""
    rows = []
    for instrument in study.instruments:
        rows += [
            _r_row(
                numbers,
                instrument,
                study.baseline.label,
                timepoint.label,
                change_prefix(instrument.name, timepoint.name),
                timepoint.name,
            )
            for timepoint in study.followed
        ]
        rows += [
            _r_row(
                numbers,
                instrument,
                earlier.label,
                later.label,
                maintenance_prefix(instrument.name, earlier, later),
                interval_key(earlier, later),
            )
            for earlier, later in consecutive_followed(study)
        ]
    return pd.DataFrame(rows)


def _r_row(numbers: Mapping, instrument, before: str, after: str, change: str, key: str) -> dict:
    prefix = f"effect_sizes.{instrument.name}.{key}"
    return {
        "outcome": instrument.table_label,
        "from": before,
        "to": after,
        "n_pairs": fmt_count(numbers[f"{change}.n"]),
        "effect_r_ci": fmt_estimate_ci(
            numbers[f"{change}.effect_r"],
            numbers[f"{prefix}.r_ci_low"],
            numbers[f"{prefix}.r_ci_high"],
            decimals=EFFECT_R_DECIMALS,
        ),
    }


# ---------------------------------------------------------------- regression to the mean


def baseline_change_correlation(baseline: np.ndarray, change: np.ndarray) -> dict:
    """`rho`, `p` (Spearman; None below 3 pairs or without spread) and `n`."""
    n = int(baseline.size)
    if n < 3 or np.ptp(baseline) == 0 or np.ptp(change) == 0:
        return {"rho": None, "p": None, "n": n}
    from scipy import stats as scipy_stats

    result = scipy_stats.spearmanr(baseline, change)
    return {"rho": as_number(result.statistic), "p": as_number(result.pvalue), "n": n}


def regression_to_mean_numbers(outcomes: pd.DataFrame | OutcomePanel, study: Study) -> dict:
    """`regression_to_mean.<instrument>.<later>.rho|p|n`: Spearman's ρ between the baseline
    value and the change from it, over the complete pairs."""
    panel = OutcomePanel.of(outcomes)
    numbers: dict = {}
    for instrument in study.instrument_names:
        for timepoint in study.followed:
            pairs = paired_values(panel, instrument, timepoint.name, study.baseline.name)
            found = baseline_change_correlation(pairs["baseline"].to_numpy(), pairs["change"].to_numpy())
            numbers |= {
                f"regression_to_mean.{instrument}.{timepoint.name}.{stat}": found[stat] for stat in CORRELATION_STATS
            }
    return numbers


def regression_to_mean_table(numbers: Mapping, study: Study) -> pd.DataFrame:
    """outcome, timepoint, pairs, Spearman's ρ and its p."""
    rows = []
    for instrument in study.instruments:
        for timepoint in study.followed:
            prefix = f"regression_to_mean.{instrument.name}.{timepoint.name}"
            rows.append(
                {
                    "outcome": instrument.table_label,
                    "timepoint": timepoint.label,
                    "n_pairs": fmt_count(numbers[f"{prefix}.n"]),
                    "spearman_rho": fmt_number(numbers[f"{prefix}.rho"], 2),
                    "p": fmt_p(numbers[f"{prefix}.p"]),
                }
            )
    return pd.DataFrame(rows)
