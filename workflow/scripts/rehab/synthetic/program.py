"""Synthetic sessions.csv: visits per patient, their dates and intervention codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rehab.synthetic.draws import allocate, assign_by_rank, correlated_normals, quantile_grid, stream

N_CODES = 10


def sessions_and_durations(seed: int, spec: Mapping[str, Any], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Visits per patient (>= 1) and program duration in days, rank-correlated (normal copula).

    A program lasts at least as many days as it has visits, so that every visit has its own
    day (two identical visit rows would be duplicates under the contract). The lengthened
    programs are far shorter than the median, which stays exact.
    """
    rho = spec["sessions_duration_rank_correlation"]
    latent = correlated_normals(stream(seed, "program"), n, np.array([[1.0, rho], [rho, 1.0]]))
    sessions = np.maximum(assign_by_rank(quantile_grid(n, spec["sessions"]["quantiles"]), latent[:, 0]), 1)
    duration = assign_by_rank(quantile_grid(n, spec["duration_days"]["quantiles"]), latent[:, 1])
    return sessions.astype(np.int64), np.maximum(duration, sessions - 1).astype(np.int64)


def first_visits(n_sessions: np.ndarray) -> np.ndarray:
    """Index of each patient's first visit in the visit arrays."""
    return np.concatenate(([0], np.cumsum(n_sessions)[:-1])).astype(np.int64)


def visit_offsets(seed: int, n_sessions: np.ndarray, duration: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per visit: its patient's index and its day since program start, strictly increasing per patient.

    The k visits take distinct days of [0, duration]: sorted draws from [0, duration - k + 1]
    plus the visit's rank. The first visit is on day 0, the last (of two or more) on the
    discharge day.
    """
    patient = np.repeat(np.arange(len(n_sessions), dtype=np.int64), n_sessions)
    first = first_visits(n_sessions)
    rank = np.arange(len(patient), dtype=np.int64) - first[patient]
    free_days = (duration - n_sessions + 1)[patient]
    draw = np.floor(stream(seed, "visit_days").random(len(patient)) * (free_days + 1)).astype(np.int64)
    span = int(free_days.max(initial=0)) + 1
    draw = np.sort(patient * span + draw) - patient * span
    last = first + n_sessions - 1
    draw[last] = duration - n_sessions + 1
    draw[first] = 0
    return patient, draw + rank


def intervention_masks(seed: int, spec: Mapping[str, Any], n_sessions: np.ndarray, patient: np.ndarray) -> np.ndarray:
    """Bitmask of coded categories per visit (bit c-1 = category c).

    Each category goes to an exact share of patients; a receiving patient's visit is coded with
    it at the category's visit probability, and at least one of its visits always is.
    """
    rng = stream(seed, "interventions")
    n = len(n_sessions)
    first = first_visits(n_sessions)
    masks = np.zeros(len(patient), dtype=np.int64)
    for code in range(1, N_CODES + 1):
        share = float(spec["patient_share"][code])
        receives = np.zeros(n, dtype=bool)
        receives[rng.permutation(n)[: round_count(share, n)]] = True
        coded = receives[patient] & (rng.random(len(patient)) < float(spec["visit_probability"][code]))
        receivers = np.flatnonzero(receives)
        sure_visit = first[receivers] + np.floor(rng.random(len(receivers)) * n_sessions[receivers]).astype(np.int64)
        coded[sure_visit] = True
        masks |= coded.astype(np.int64) << (code - 1)
    return masks


def round_count(share: float, n: int) -> int:
    """share * n rounded to a whole count (the largest remainder of a two-way split)."""
    return allocate({"yes": share, "no": 1 - share}, n)["yes"]


def interventions_text(masks: np.ndarray) -> pa.Array:
    """`1;2;4`-style text per visit from its bitmask (null when nothing was coded), via a lookup table."""
    table = [";".join(str(c) for c in range(1, N_CODES + 1) if m >> (c - 1) & 1) or None for m in range(1 << N_CODES)]
    return pc.take(pa.array(table, type=pa.string()), pa.array(masks))


def sessions_table(ids: pa.Array, patient: np.ndarray, dates: np.ndarray, masks: np.ndarray) -> pa.Table:
    return pa.table(
        {
            "patient_id": pc.take(ids, pa.array(patient)),
            "session_date": pa.array(dates.astype("datetime64[D]")),
            "interventions": interventions_text(masks),
        }
    )
