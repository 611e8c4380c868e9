"""Building blocks of the synthetic cohort: exact counts, quantile grids, mean/SD fitting.

Every function is vectorized over patients and deterministic given its random generator.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from scipy import special

WEIGHT_SCALE = 1_000_000
INTERPOLATION_POINTS = 1 << 16


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator per variable, so adding one variable leaves the others alone."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode("utf-8"))]))


def allocate(weights: Mapping[Any, float], n: int) -> dict[Any, int]:
    """Split n into counts proportional to the weights (largest remainder, ties in listed order).

    Integer arithmetic, so weights equal to counts summing to n give those counts exactly.
    """
    keys = list(weights)
    scaled = np.array([round(float(weights[k]) * WEIGHT_SCALE) for k in keys], dtype=np.int64)
    total = int(scaled.sum())
    if total <= 0:
        raise ValueError("allocate: the weights must sum to more than 0")
    numerators = scaled * n
    counts = numerators // total
    remainders = numerators % total
    short = n - int(counts.sum())
    counts[np.argsort(-remainders, kind="stable")[:short]] += 1
    return dict(zip(keys, counts.tolist(), strict=False))


def shuffled_levels(rng: np.random.Generator, weights: Mapping[Any, float], n: int) -> np.ndarray:
    """Level index per patient (position in `weights`), exact counts, in seeded random order."""
    counts = list(allocate(weights, n).values())
    return rng.permutation(np.repeat(np.arange(len(counts), dtype=np.int64), counts))


def plotting_positions(n: int) -> np.ndarray:
    return np.arange(1, n + 1, dtype=np.float64) / (n + 1)


def round_half_up(values: np.ndarray, decimals: int) -> np.ndarray:
    """Half-up on the binary values, vectorised: the generator's draws (kept exactly so that a
    seed gives the same cohort). Displayed numbers round the decimal text instead
    (`rehab.core.formatting.round_half_up`)."""
    factor = 10.0**decimals
    return np.floor(np.asarray(values, dtype=np.float64) * factor + 0.5) / factor


def quantile_grid(n: int, spec: Mapping[str, Any]) -> np.ndarray:
    """Ascending values of a quantile function at the plotting positions i/(n+1).

    The function passes through `spec["shape"]` and is flat on [p - 1/(n+1), p + 1/(n+1)]
    around each `spec["targets"]` point p, so weibull's p-quantile, which interpolates the two
    order statistics nearest to (n+1)p, equals the target at any n.
    """
    half_width = min(1.0 / (n + 1), 0.1)
    targets = {float(p): float(v) for p, v in spec["targets"].items()}
    knots = {
        float(p): float(v) for p, v in spec["shape"].items() if all(abs(float(p) - t) > half_width for t in targets)
    }
    for p, value in targets.items():
        knots[max(p - half_width, 0.0)] = value
        knots[min(p + half_width, 1.0)] = value
    ps = np.array(sorted(knots))
    values = np.array([knots[p] for p in ps])
    return round_half_up(np.interp(plotting_positions(n), ps, values), int(spec.get("decimals", 0)))


def correlated_normals(rng: np.random.Generator, n: int, correlation: np.ndarray) -> np.ndarray:
    """n rows of standard normals with the given correlation matrix (columns = variables)."""
    return rng.standard_normal((n, correlation.shape[0])) @ np.linalg.cholesky(correlation).T


def assign_by_rank(sorted_values: np.ndarray, latent: np.ndarray) -> np.ndarray:
    """Give the k-th smallest value to the patient with the k-th smallest latent score."""
    result = np.empty_like(sorted_values)
    result[np.argsort(latent, kind="stable")] = sorted_values
    return result


def beta_grid(n: int, mean: float, sd: float, low: float, high: float) -> np.ndarray:
    """Standardized quantiles (ascending) of the beta distribution on [low, high] with mean and SD."""
    m = (mean - low) / (high - low)
    variance = (sd / (high - low)) ** 2
    concentration = m * (1 - m) / variance - 1
    grid = _beta_quantiles(plotting_positions(n), m * concentration, (1 - m) * concentration)
    if n < 2:
        return np.zeros(n)
    return (grid - grid.mean()) / grid.std(ddof=1)


def _beta_quantiles(p: np.ndarray, a: float, b: float) -> np.ndarray:
    """Beta quantiles; for large n interpolated from a fine grid (exact ppf costs seconds at 1M).

    `special.betaincinv` is the function `scipy.stats.beta.ppf` evaluates (equal to the last
    bit, 0 and 1 included), without loading scipy.stats: a second less for every generation.
    """
    if len(p) <= INTERPOLATION_POINTS:
        return special.betaincinv(a, b, p)
    knots = np.linspace(0.0, 1.0, INTERPOLATION_POINTS + 1)
    return np.interp(p, knots, special.betaincinv(a, b, knots))


def fit_mean_sd(
    z: np.ndarray,
    mean: float,
    sd: float,
    realize: Callable[[np.ndarray], np.ndarray],
    rounds: int = 3,
    steps: int = 40,
) -> np.ndarray:
    """Intended values mean + scale * z whose realized sample mean and SD are on target.

    `realize` turns intended values into recorded ones (rounding, clipping, derived values);
    the scale is found by bisection on the realized SD and the centre shifted by the realized
    mean's error, a few rounds, all vectorized.
    """
    if len(z) < 2:
        return np.full(len(z), float(mean))
    centre, scale = float(mean), float(sd)
    for _ in range(rounds):
        low, high = 0.0, 3.0 * sd
        for _ in range(steps):
            scale = (low + high) / 2
            if realize(centre + scale * z).std(ddof=1) < sd:
                low = scale
            else:
                high = scale
        centre += mean - realize(centre + scale * z).mean()
    return centre + scale * z
