"""Table 3: the intervention categories patients received, and the program they followed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rehab.analysis.stats import median_iqr, percentage
from rehab.core.formatting import fmt_count, fmt_median_iqr, fmt_n_pct

TOP_COMBINATIONS = 10


def intervention_numbers(
    patients: pd.DataFrame, sessions: pd.DataFrame, session_interventions: pd.DataFrame, codes: list[int]
) -> dict:
    """Per code of the codebook (`codes`): patients who received it at least once (of all kept
    patients) and visits in which it was used (of all kept visits)."""
    n_patients, n_visits = len(patients), len(sessions)
    masks, _, present = _code_sets(session_interventions)
    used = session_interventions["code"].to_numpy(dtype=np.int64)
    first = _first_of_pairs(session_interventions["line"].to_numpy(np.int64), used)
    visits_per_code = pd.Series(used[first]).value_counts()
    numbers: dict = {"interventions.patients": n_patients, "interventions.visits": n_visits}
    for code in codes:
        bit = np.searchsorted(present, code)
        received = bit < len(present) and present[bit] == code
        with_code = int(np.count_nonzero(masks & (1 << int(bit)))) if received else 0
        visits = int(visits_per_code.get(code, 0))
        numbers[f"interventions.{code}.n_patients"] = with_code
        numbers[f"interventions.{code}.pct_patients"] = percentage(with_code, n_patients)
        numbers[f"interventions.{code}.n_visits"] = visits
        numbers[f"interventions.{code}.pct_visits"] = percentage(visits, n_visits)
    return numbers


def interventions_table(numbers: dict, names: dict[int, str]) -> pd.DataFrame:
    """Table 3: code, category, patients n (% of kept patients), visits n (% of kept visits)."""
    rows = [
        {
            "code": str(code),
            "category": names[code],
            "patients": fmt_n_pct(
                numbers[f"interventions.{code}.n_patients"], numbers[f"interventions.{code}.pct_patients"]
            ),
            "visits": fmt_n_pct(numbers[f"interventions.{code}.n_visits"], numbers[f"interventions.{code}.pct_visits"]),
        }
        for code in names
    ]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- combinations


def _first_of_pairs(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """True at one row of each distinct (first, second) pair. The clean long table is sorted
    by (line, code) with no pair twice, so its rows are all distinct: checked in one pass,
    sorted only when not."""
    step_first, step_second = np.diff(first), np.diff(second)
    if ((step_first > 0) | ((step_first == 0) & (step_second > 0))).all():
        return np.ones(len(first), dtype=bool)
    order = np.lexsort((second, first))
    first, second = first[order], second[order]
    distinct = np.ones(len(first), dtype=bool)
    distinct[1:] = (first[1:] != first[:-1]) | (second[1:] != second[:-1])
    keep = np.zeros(len(first), dtype=bool)
    keep[order[distinct]] = True
    return keep


def _code_sets(session_interventions: pd.DataFrame) -> tuple[np.ndarray, pd.Index, np.ndarray]:
    """Each patient's set of categories as a bit mask (bit i: the i-th of the codes present,
    ascending), the patient_ids they belong to, and the codes present: one pass per code over
    integer patient codes, no (patient, code) pairs formed."""
    patient, ids = pd.factorize(session_interventions["patient_id"], use_na_sentinel=False)
    codes = session_interventions["code"].to_numpy(dtype=np.int64)
    present = np.unique(codes)  # at most the codebook's codes (validation: at most 63)
    masks = np.zeros(len(ids), dtype=np.int64)
    for bit, code in enumerate(present):
        received = np.zeros(len(ids), dtype=bool)
        received[patient[codes == code]] = True
        masks |= received.astype(np.int64) << bit
    return masks, ids, present


def category_masks(patients: pd.DataFrame, session_interventions: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """Each kept patient's set of categories as a bit mask (0 for none), and the codes its bits
    stand for (bit i: codes[i])."""
    masks, ids, present = _code_sets(session_interventions)
    index = pd.Index(patients["patient_id"])
    at = pd.Index(ids).get_indexer(index)
    return pd.Series(np.append(masks, 0)[at], index=index), present  # −1 (no visit): the 0 appended


def mask_codes(mask: int, codes: np.ndarray) -> list[int]:
    """The codes of the bits set in `mask` (bit i: codes[i])."""
    return [int(code) for bit, code in enumerate(codes) if mask >> bit & 1]


def combination_numbers(
    patients: pd.DataFrame, session_interventions: pd.DataFrame, top: int = TOP_COMBINATIONS
) -> dict:
    """The `top` most common sets of categories a patient received, n (% of kept patients);
    ties broken by the codes (as text), so the order is fixed. Key part: codes joined by `_`
    (`none` for patients without any category)."""
    masks, present = category_masks(patients, session_interventions)
    counts = masks.value_counts()
    frame = pd.DataFrame({"mask": counts.index.to_numpy(), "n": counts.to_numpy()})
    frame["codes"] = [
        ";".join(map(str, mask_codes(int(mask), present))) for mask in frame["mask"]
    ]  # distinct sets only
    frame = frame.sort_values(["n", "codes"], ascending=[False, True]).head(top)
    numbers: dict = {}
    for rank, (codes, n) in enumerate(zip(frame["codes"], frame["n"], strict=False), start=1):
        name = codes.replace(";", "_") or "none"
        numbers[f"interventions.combination.{name}.rank"] = rank
        numbers[f"interventions.combination.{name}.n"] = int(n)
        numbers[f"interventions.combination.{name}.pct"] = percentage(int(n), len(patients))
    return numbers


def combinations_table(numbers: dict, names: dict[int, str]) -> pd.DataFrame:
    """Most common combinations: rank, codes, categories, patients n (%)."""
    rows = []
    for key, rank in numbers.items():
        if not key.endswith(".rank"):
            continue
        prefix = key.removesuffix(".rank")
        name = prefix.split(".")[-1]
        codes = [] if name == "none" else [int(code) for code in name.split("_")]
        rows.append(
            {
                "rank": str(rank),
                "codes": " + ".join(map(str, codes)) or "none",
                "categories": "; ".join(names[code] for code in codes) or "no intervention category recorded",
                "patients": fmt_n_pct(numbers[f"{prefix}.n"], numbers[f"{prefix}.pct"]),
            }
        )
    return pd.DataFrame(rows, columns=["rank", "codes", "categories", "patients"])


# ---------------------------------------------------------------- program


def program_numbers(patients: pd.DataFrame, session_interventions: pd.DataFrame, quantile_method: str) -> dict:
    """Sessions per patient (patients with ≥ 1 kept visit), program duration (patients with a
    discharge_date) in months and days, and categories per patient (patients with ≥ 1 visit)."""
    with_visits = patients.loc[patients["n_sessions"].fillna(0) > 0]
    masks, _ = category_masks(with_visits, session_interventions)
    categories = pd.Series(np.bitwise_count(masks.to_numpy(dtype="int64")), dtype="int64")
    numbers: dict = {"program.visits": int(patients["n_sessions"].fillna(0).sum())}
    for name, values in (
        ("sessions", with_visits["n_sessions"]),
        ("duration_months", patients["program_duration_months"]),
        ("duration_days", patients["program_duration_days"]),
        ("categories_per_patient", categories),
    ):
        summary = median_iqr(values, quantile_method)
        numbers.update({f"program.{name}.{stat}": summary[stat] for stat in ("median", "q1", "q3")})
        numbers[f"program.{name}.n"] = summary["valid_n"]
    return numbers


def program_table(numbers: dict) -> pd.DataFrame:
    """characteristic, value: sessions, duration (months, days), categories per patient."""
    specs = [
        ("sessions", "Sessions per patient (patients with ≥ 1 visit, n = {n})", 0),
        # the row labels name the patients column discharge_date in words (the paper's Table 3b)
        ("duration_months", "Program duration, months (patients with a discharge_date, n = {n})", 1),
        ("duration_days", "Program duration, days (patients with a discharge_date, n = {n})", 0),
        ("categories_per_patient", "Intervention categories per patient (patients with ≥ 1 visit, n = {n})", 0),
    ]
    rows = []
    for name, label, decimals in specs:
        stats = [numbers[f"program.{name}.{stat}"] for stat in ("median", "q1", "q3")]
        n = fmt_count(numbers[f"program.{name}.n"])
        rows.append((f"{label.format(n=n)}, median [q1, q3]", fmt_median_iqr(*stats, decimals=decimals)))
    return pd.DataFrame(rows, columns=["characteristic", "value"])
