"""Synthetic outcomes.csv: NPRS, DRI and EQ-VAS at start, discharge and 1-year follow-up.

Values are kept in whole units of their recorded precision (NPRS points, DRI tenths of a mm,
EQ-VAS mm) so that a change meets a threshold exactly as the pipeline will compute it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from rehab.synthetic.draws import (
    allocate,
    assign_by_rank,
    correlated_normals,
    quantile_grid,
    stream,
)

OUTCOMES = ("nprs", "dri", "eq_vas")
UNITS_PER_POINT = {"nprs": 1, "dri": 10, "eq_vas": 1}
MAXIMUM = {"nprs": 10, "dri": 100, "eq_vas": 100}
DECREASE_IS_BETTER = {"nprs": True, "dri": True, "eq_vas": False}
TIMEPOINTS = ("start", "discharge", "followup")


def start_values(seed: int, spec: Mapping[str, Any], n: int) -> dict[str, np.ndarray]:
    """Start values in units, exact quartiles per outcome, joined by a normal copula."""
    pairs = spec["correlation"]
    correlation = np.eye(3)
    for i, a in enumerate(OUTCOMES):
        for j, b in enumerate(OUTCOMES[i + 1 :], start=i + 1):
            correlation[i, j] = correlation[j, i] = pairs[f"{a}_{b}"]
    latent = correlated_normals(stream(seed, "start_outcomes"), n, correlation)
    return {
        name: np.rint(
            assign_by_rank(quantile_grid(n, spec[name]["quantiles"]), latent[:, k]) * UNITS_PER_POINT[name]
        ).astype(np.int64)
        for k, name in enumerate(OUTCOMES)
    }


def chosen(rng: np.random.Generator, pool: np.ndarray, count: int) -> np.ndarray:
    """A mask of `count` members of the boolean `pool`, chosen at random."""
    mask = np.zeros(len(pool), dtype=bool)
    mask[rng.permutation(np.flatnonzero(pool))[:count]] = True
    return mask


def share_count(share: float, n: int) -> int:
    return allocate({"yes": share, "no": 1 - share}, n)["yes"]


def row_presence(seed: int, spec: Mapping[str, Any], n: int) -> dict[str, np.ndarray]:
    """Which patients have a row per time point; follow-up rows only with a discharge row."""
    rng = stream(seed, "outcome_rows")
    discharge = chosen(rng, np.ones(n, dtype=bool), share_count(spec["discharge_share"], n))
    followup = chosen(rng, discharge, share_count(spec["followup_share"], n))
    return {"start": np.ones(n, dtype=bool), "discharge": discharge, "followup": followup}


def item_presence(seed: int, spec: Mapping[str, Any], rows: dict[str, np.ndarray]) -> dict[tuple[str, str], np.ndarray]:
    """Per (time point, outcome): a value is present; an exact share of the rows is left empty."""
    rng = stream(seed, "item_missing")
    present = {}
    for timepoint in TIMEPOINTS:
        shares = spec.get(timepoint, {})
        for name in OUTCOMES:
            has_row = rows[timepoint]
            missing = chosen(rng, has_row, share_count(float(shares.get(name, 0.0)), int(has_row.sum())))
            present[timepoint, name] = has_row & ~missing
    return present


def propensities(seed: int, spec: Mapping[str, Any], start: dict[str, np.ndarray]) -> dict[tuple[str, str], np.ndarray]:
    """Response propensity per (time point, outcome): partly the start severity, persistent over time."""
    rng = stream(seed, "response_propensity")
    weight, persistence = spec["severity_weight"], spec["followup_persistence"]
    result = {}
    for name in OUTCOMES:
        n = len(start[name])
        badness = start[name] if DECREASE_IS_BETTER[name] else -start[name]
        severity = (np.argsort(np.argsort(badness + rng.random(n))) + 1) / (n + 1) - 0.5
        severity = severity / max(severity.std(), 1e-12)
        discharge = weight * severity + np.sqrt(1 - weight**2) * rng.standard_normal(n)
        followup = persistence * discharge + np.sqrt(1 - persistence**2) * rng.standard_normal(n)
        result["discharge", name], result["followup", name] = discharge, followup
    return result


def followup_value(
    rng: np.random.Generator, spec: Mapping[str, Any], name: str, start: np.ndarray, responder: np.ndarray
) -> np.ndarray:
    """Value at a later time point, in units: an improvement >= threshold exactly for responders."""
    scale = UNITS_PER_POINT[name]
    threshold = int(round(spec["thresholds"][name] * scale))
    maximum = MAXIMUM[name] * scale
    headroom = start if DECREASE_IS_BETTER[name] else maximum - start
    top_gain = np.maximum(np.minimum(headroom, int(spec["responder_max_gain"][name] * scale)), threshold)
    worsening = int(spec["non_responder_max_worsening"][name] * scale)
    u = rng.random(len(start))
    gain = np.where(
        responder,
        threshold + np.floor(u * (top_gain - threshold + 1)),
        -worsening + np.floor(u * (worsening + threshold)),
    ).astype(np.int64)
    later = start - gain if DECREASE_IS_BETTER[name] else start + gain
    return np.clip(later, 0, maximum)


def responders(
    spec: Mapping[str, Any],
    name: str,
    timepoint: str,
    start: np.ndarray,
    evaluable: np.ndarray,
    propensity: np.ndarray,
) -> np.ndarray:
    """The target share of evaluable patients (rounded), those most prone among the feasible ones."""
    scale = UNITS_PER_POINT[name]
    threshold = int(round(spec["thresholds"][name] * scale))
    feasible = start >= threshold if DECREASE_IS_BETTER[name] else start <= MAXIMUM[name] * scale - threshold
    candidates = np.flatnonzero(evaluable & feasible)
    count = min(share_count(spec[f"{timepoint}_pct"][name] / 100, int(evaluable.sum())), len(candidates))
    mask = np.zeros(len(start), dtype=bool)
    mask[candidates[np.argsort(-propensity[candidates], kind="stable")[:count]]] = True
    return mask


def later_values(
    seed: int,
    spec: Mapping[str, Any],
    start: dict[str, np.ndarray],
    present: dict[tuple[str, str], np.ndarray],
) -> dict[tuple[str, str], np.ndarray]:
    """Discharge and follow-up values in units, with the target share of responders each."""
    rng = stream(seed, "later_outcomes")
    propensity = propensities(seed, spec, start)
    values = {}
    for timepoint in TIMEPOINTS[1:]:
        for name in OUTCOMES:
            responder = responders(
                spec, name, timepoint, start[name], present[timepoint, name], propensity[timepoint, name]
            )
            values[timepoint, name] = followup_value(rng, spec, name, start[name], responder)
    return values


def assessment_dates(
    seed: int, spec: Mapping[str, Any], program_start: np.ndarray, discharge: np.ndarray
) -> dict[str, np.ndarray]:
    days = spec["followup_days_after_discharge"]
    after = stream(seed, "followup_dates").integers(days["min"], days["max"] + 1, len(discharge))
    return {"start": program_start, "discharge": discharge, "followup": discharge + after}


def outcomes_table(
    seed: int, spec: Mapping[str, Any], ids: pa.Array, program_start: np.ndarray, discharge: np.ndarray
) -> pa.Table:
    """One row per patient and time point with a row, sorted by patient then time point."""
    n = len(program_start)
    start = start_values(seed, spec["start"], n)
    rows = row_presence(seed, spec["rows"], n)
    present = item_presence(seed, spec["item_missing_share"], rows)
    values = {("start", name): start[name] for name in OUTCOMES}
    values.update(later_values(seed, spec["responders"], start, present))
    dates = assessment_dates(seed, spec["rows"], program_start, discharge)
    blocks = [np.flatnonzero(rows[t]) for t in TIMEPOINTS]
    order = np.argsort(np.concatenate(blocks), kind="stable")

    def stacked(per_timepoint: Mapping[str, np.ndarray]) -> np.ndarray:
        """The time points' values for their rows, in output row order."""
        return np.concatenate([per_timepoint[t][b] for t, b in zip(TIMEPOINTS, blocks, strict=False)])[order]

    columns = {
        "patient_id": ids.take(pa.array(stacked({t: np.arange(n) for t in TIMEPOINTS}))),
        "timepoint": pa.array(stacked({t: np.full(n, t, dtype=object) for t in TIMEPOINTS}), type=pa.string()),
        "assessment_date": pa.array(stacked(dates).astype("datetime64[D]")),
    }
    for name in OUTCOMES:
        recorded = stacked({t: values[t, name] for t in TIMEPOINTS})
        if UNITS_PER_POINT[name] > 1:
            recorded = recorded / UNITS_PER_POINT[name]
        columns[name] = pa.array(recorded, mask=~stacked({t: present[t, name] for t in TIMEPOINTS}))
    return pa.table(columns)
