"""From the kept rows of validation to the clean tables of docs/architecture.md.

The kept tables (validation/kept/*.parquet) are already parsed and hold only valid values;
cleaning gives them their final dtypes (categories, booleans), adds the derived variables,
builds the long table of intervention codes, sorts, validates with schemas/clean.py and
writes deterministic Parquet. The outcomes table has the study's time points and instruments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rehab.core.arrow_text import to_arrow
from rehab.core.row_rules import rows_ascending
from rehab.core.study import Study
from rehab.core.values import code_rows
from rehab.ingest.validation import always_validate
from schemas import clean as cs

CLEAN_TABLES = ("patients", "sessions", "session_interventions", "outcomes")


@dataclass
class CleanTables:
    patients: pd.DataFrame
    sessions: pd.DataFrame
    session_interventions: pd.DataFrame
    outcomes: pd.DataFrame


def clean_export(kept: Mapping[str, pd.DataFrame], study: Study) -> CleanTables:
    """The four clean tables from the kept (typed) patients, sessions and outcomes of `study`."""
    sessions = clean_sessions(kept["sessions"])
    tables = CleanTables(
        patients=clean_patients(kept["patients"], sessions),
        sessions=sessions,
        session_interventions=session_interventions(kept["sessions"]),
        outcomes=clean_outcomes(kept["outcomes"], study),
    )
    validate_clean(tables, study)
    return tables


def _category(values: pd.Series, levels: list[str], ordered: bool = False) -> pd.Categorical:
    """`values` as a categorical of `levels` (anything else missing), coded by an Arrow hash lookup."""
    codes = pc.index_in(to_arrow(values), value_set=pa.array(levels, type=pa.large_string()))
    codes = codes.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int8)
    return pd.Categorical.from_codes(codes, categories=levels, ordered=ordered)


def _int64(values: np.ndarray, missing: np.ndarray | None = None) -> pd.arrays.IntegerArray:
    """A nullable Int64 array straight from numpy (no per-value conversion)."""
    missing = np.zeros(len(values), dtype=bool) if missing is None else missing
    return pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), missing)


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """`frame` sorted by `keys` (stable); no work when it already is, as exports usually are."""
    if rows_ascending(frame, keys):
        return frame.reset_index(drop=True)
    return frame.sort_values(keys, ignore_index=True, kind="stable")


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return ((later - earlier) / pd.Timedelta(days=1)).astype("Float64").astype("Int64")


def clean_patients(kept: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    p = _sorted(kept, ["patient_id"])
    out = pd.DataFrame(
        {
            "patient_id": p["patient_id"].astype("string"),
            "sex": _category(p["sex"], cs.SEX),
            "age": p["age"].astype("Int64"),
            "height_cm": p["height_cm"].astype("Float64"),
            "weight_kg": p["weight_kg"].astype("Float64"),
            "smoker": p["smoker"].map({"yes": True, "no": False}).astype("boolean"),
        }
    )
    for column in ("pain_onset_date", "program_start_date", "discharge_date"):
        out[column] = p[column].astype("datetime64[ns]")
    out["pain_distribution"] = _category(p["pain_distribution"], cs.PAIN_DISTRIBUTION, ordered=True)
    out["main_pain_location"] = _category(p["main_pain_location"], cs.MAIN_PAIN_LOCATION)
    for column in ("ability_to_reduce_pain", "activity_minutes_week"):
        out[column] = p[column].astype("Int64")
    out["eq5d_version"] = _category(p["eq5d_version"], cs.EQ5D_VERSION)
    out["eq5d_anxiety_depression"] = p["eq5d_anxiety_depression"].astype("Int64")
    out["rehab_goals"] = p["rehab_goals"].astype("Int64")
    return add_derived(out, sessions)


def add_derived(patients: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """BMI, durations, the dichotomies of the paper and the number of kept visits."""
    p = patients
    p["bmi"] = p["weight_kg"] / (p["height_cm"] / 100) ** 2
    p["pain_duration_days"] = _days(p["program_start_date"], p["pain_onset_date"])
    p["program_duration_days"] = _days(p["discharge_date"], p["program_start_date"])
    p["program_duration_months"] = p["program_duration_days"].astype("Float64") / cs.DAYS_PER_MONTH
    p["low_ability_to_reduce_pain"] = p["ability_to_reduce_pain"] <= 2
    p["physically_active"] = p["activity_minutes_week"] >= 150
    p["anxious_depressed"] = p["eq5d_anxiety_depression"] >= 2
    counts = sessions["patient_id"].value_counts()
    p["n_sessions"] = pd.array(counts.reindex(p["patient_id"]).fillna(0).to_numpy(dtype=np.int64), dtype="Int64")
    return p


def _n_codes(interventions: pa.Array) -> pd.arrays.IntegerArray:
    """Number of codes of each canonical code list ("" = 0, <NA> stays <NA>)."""
    separators = pc.count_substring(interventions, ";").to_numpy(zero_copy_only=False)
    missing = interventions.is_null().to_numpy(zero_copy_only=False)
    empty = pc.equal(interventions, "").fill_null(False).to_numpy(zero_copy_only=False)
    n = np.where(missing, 0, separators + 1) - empty
    return _int64(n, missing)


def clean_sessions(kept: pd.DataFrame) -> pd.DataFrame:
    s = _sorted(kept, ["patient_id", "session_date", "line"])
    interventions = to_arrow(s["interventions"])
    return pd.DataFrame(
        {
            "line": _int64(s["line"].to_numpy()),
            "patient_id": s["patient_id"].astype("string"),
            "session_date": s["session_date"].astype("datetime64[ns]"),
            "interventions": s["interventions"].astype("string"),
            "n_codes": _n_codes(interventions),
        }
    )


def session_interventions(kept: pd.DataFrame) -> pd.DataFrame:
    """One row per (visit, code), sorted by (line, code); visits in line order already. The
    kept code lists are canonical (ascending codes joined by `;`): each is split, no codebook needed."""
    s = _sorted(kept, ["line"])
    rows, codes = code_rows(to_arrow(s["interventions"]))
    return pd.DataFrame(
        {
            "line": _int64(s["line"].to_numpy()[rows]),
            "patient_id": pd.array(to_arrow(s["patient_id"]).take(pa.array(rows)), dtype="string"),
            "session_date": s["session_date"].to_numpy("datetime64[ns]")[rows],
            "code": _int64(codes),
        },
        copy=False,  # fresh arrays, tens of millions of rows: not copied again
    )


def clean_outcomes(kept: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Sorted by patient and time point (in the declared order); each instrument in its dtype."""
    timepoint = _category(kept["timepoint"], list(study.timepoint_names), ordered=True)
    order_keys = pd.DataFrame({"patient_id": kept["patient_id"], "timepoint": timepoint.codes})
    if rows_ascending(order_keys, ["patient_id", "timepoint"]):
        o = kept.assign(timepoint=timepoint).reset_index(drop=True)
    else:
        o = kept.assign(timepoint=timepoint).sort_values(["patient_id", "timepoint"], ignore_index=True)
    return pd.DataFrame(
        {
            "patient_id": o["patient_id"].astype("string"),
            "timepoint": o["timepoint"],
            "assessment_date": o["assessment_date"].astype("datetime64[ns]"),
            **{instrument.name: o[instrument.name].astype(instrument.dtype) for instrument in study.instruments},
        }
    )


MODELS = {
    "patients": cs.CleanPatients,
    "sessions": cs.CleanSessions,
    "session_interventions": cs.CleanSessionInterventions,
}


def validate_clean(tables: CleanTables, study: Study) -> None:
    """Every clean table against its model (raises pandera SchemaErrors: a bug, not data)."""
    models = {**MODELS, "outcomes": cs.outcomes_model(study)}
    with always_validate():
        for name in CLEAN_TABLES:
            models[name].validate(getattr(tables, name), lazy=True)


def read_kept(paths: Mapping[str, str | Path]) -> dict[str, pd.DataFrame]:
    # Arrow-backed strings (not Python objects): string operations stay vectorized.
    strings = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}
    return {name: pq.read_table(path).to_pandas(types_mapper=strings.get) for name, path in paths.items()}


def write_clean(tables: CleanTables, paths: Mapping[str, str | Path]) -> None:
    from rehab.core.safe_io import write_parquet_files

    write_parquet_files({name: getattr(tables, name) for name in CLEAN_TABLES}, paths)
