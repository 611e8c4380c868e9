"""Synthetic patients.csv: baseline characteristics calibrated to the paper's Table 2."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import special

from rehab.synthetic.draws import (
    assign_by_rank,
    beta_grid,
    fit_mean_sd,
    quantile_grid,
    round_half_up,
    shuffled_levels,
    stream,
)

MISSING = "missing"


def patient_ids(n: int) -> np.ndarray:
    """Pseudonyms P0000001, P0000002, ... (letters and digits: never a personal identity number)."""
    width = max(7, len(str(n)))
    return np.char.add("P", np.char.zfill(np.arange(1, n + 1).astype(str), width))


def categorical(seed: int, name: str, weights: Mapping[Any, float], n: int) -> np.ndarray:
    """Text levels with exact counts in seeded random order; None where the level is `missing`."""
    levels = np.array([None if k == MISSING else str(k) for k in weights], dtype=object)
    return levels[shuffled_levels(stream(seed, name), weights, n)]


def ages(seed: int, spec: Mapping[str, Any], n: int) -> np.ndarray:
    low, high = spec["min"], spec["max"]
    z = stream(seed, "age").permutation(beta_grid(n, spec["mean"], spec["sd"], low, high))

    def realize(intended: np.ndarray) -> np.ndarray:
        years = np.clip(round_half_up(intended, 0), low, high)
        if len(years) >= 2:
            years[np.argmin(z)], years[np.argmax(z)] = low, high
        return years

    return realize(fit_mean_sd(z, spec["mean"], spec["sd"], realize)).astype(np.int64)


def heights(seed: int, spec: Mapping[str, Any], sex: np.ndarray) -> np.ndarray:
    rng = stream(seed, "height_cm")
    noise = rng.standard_normal(len(sex))
    mean = np.where(sex == "F", spec["F"]["mean"], spec["M"]["mean"])
    sd = np.where(sex == "F", spec["F"]["sd"], spec["M"]["sd"])
    return np.clip(round_half_up(mean + sd * noise, 0), *spec["range"]).astype(np.int64)


def weights_for_bmi(seed: int, spec: Mapping[str, Any], height_cm: np.ndarray) -> np.ndarray:
    """Recorded weights (kg) whose BMI with the given heights has the target mean and SD."""
    n = len(height_cm)
    z = stream(seed, "bmi").permutation(beta_grid(n, spec["mean"], spec["sd"], spec["min"], spec["max"]))
    square_m = (height_cm / 100) ** 2

    def weight(bmi: np.ndarray) -> np.ndarray:
        return np.clip(np.round(bmi * square_m, spec["weight_decimals"]), 30, 250)

    return weight(fit_mean_sd(z, spec["mean"], spec["sd"], lambda bmi: weight(bmi) / square_m))


def normal_scores(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Normal quantiles of the ranks of `values` (ties broken at random)."""
    n = len(values)
    order = np.lexsort((rng.random(n), values))
    scores = np.empty(n)
    scores[order] = special.ndtri(np.arange(1, n + 1) / (n + 1))  # scipy.stats.norm.ppf's own function
    return scores


def pain_durations(seed: int, spec: Mapping[str, Any], age: np.ndarray) -> np.ndarray:
    """Days of pain before the program, rank-correlated with age (normal copula)."""
    rng = stream(seed, "pain_duration")
    rho = spec["age_rank_correlation"]
    latent = rho * normal_scores(age, rng) + np.sqrt(1 - rho**2) * rng.standard_normal(len(age))
    return assign_by_rank(quantile_grid(len(age), spec["quantiles"]), latent).astype(np.int64)


def ability_to_reduce_pain(seed: int, spec: Mapping[str, Any], n: int) -> np.ndarray:
    """Levels 0-6: exact counts of the low/high groups, then of the levels within each group."""
    rng = stream(seed, "ability_to_reduce_pain")
    groups = list(spec["groups"])
    group = shuffled_levels(rng, spec["groups"], n)
    ability = np.empty(n, dtype=np.int64)
    for index, name in enumerate(groups):
        members = np.flatnonzero(group == index)
        levels = np.array([int(level) for level in spec["levels"][name]])
        ability[members] = levels[shuffled_levels(rng, spec["levels"][name], len(members))]
    return ability


def activity_minutes(seed: int, spec: Mapping[str, Any], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Minutes a week and a missing mask: exact group counts, uniform minutes within a group."""
    rng = stream(seed, "activity_minutes_week")
    groups = list(spec["groups"])
    group = shuffled_levels(rng, spec["groups"], n)
    minutes = np.zeros(n, dtype=np.int64)
    for index, name in enumerate(groups):
        if name == MISSING:
            continue
        members = np.flatnonzero(group == index)
        bounds = spec[name]
        steps = rng.integers(0, (bounds["max"] - bounds["min"]) // bounds["step"] + 1, len(members))
        minutes[members] = bounds["min"] + steps * bounds["step"]
    missing = group == groups.index(MISSING) if MISSING in groups else np.zeros(n, dtype=bool)
    return minutes, missing


def eq5d(seed: int, spec: Mapping[str, Any], start_date: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EQ-5D version by program start date and anxiety/depression level (exact count of level >= 2)."""
    rng = stream(seed, "eq5d")
    n = len(start_date)
    version = np.where(start_date >= np.datetime64(str(spec["five_level_from"])), "5L", "3L").astype(object)
    counts = spec["anxious_depressed"]["counts"]
    anxious = shuffled_levels(rng, counts, n) == list(counts).index("yes")
    level = np.ones(n, dtype=np.int64)
    for name, weights in spec["levels_when_anxious"].items():
        members = np.flatnonzero(anxious & (version == name))
        levels = np.array([int(k) for k in weights])
        probabilities = np.array(list(weights.values()), dtype=float)
        level[members] = rng.choice(levels, size=len(members), p=probabilities / probabilities.sum())
    return version, level


def program_start_dates(seed: int, spec: Mapping[str, Any], n: int) -> np.ndarray:
    first = np.datetime64(str(spec["first"]), "D")
    days = (np.datetime64(str(spec["last"]), "D") - first).astype(np.int64)
    return first + stream(seed, "program_start").integers(0, days + 1, n)
