"""From the kept rows of validation to the clean tables of docs/architecture.md.

The kept tables (validation/kept/*.parquet) are already parsed and hold only valid values;
cleaning gives them their final dtypes (categories, booleans), adds the derived variables,
builds the long table of intervention codes, sorts, validates with schemas/clean.py and
writes deterministic Parquet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rehab.validation import always_validate
from schemas import clean as cs

CLEAN_TABLES = ("patients", "sessions", "session_interventions", "outcomes")


@dataclass
class CleanTables:
    patients: pd.DataFrame
    sessions: pd.DataFrame
    session_interventions: pd.DataFrame
    outcomes: pd.DataFrame


def clean_export(kept: Mapping[str, pd.DataFrame]) -> CleanTables:
    """The four clean tables from the kept (typed) patients, sessions and outcomes."""
    sessions = clean_sessions(kept["sessions"])
    tables = CleanTables(
        patients=clean_patients(kept["patients"], sessions),
        sessions=sessions,
        session_interventions=session_interventions(kept["sessions"]),
        outcomes=clean_outcomes(kept["outcomes"]),
    )
    validate_clean(tables)
    return tables


def _category(values: pd.Series, levels: list[str], ordered: bool = False) -> pd.Categorical:
    return pd.Categorical(values.astype(object).where(values.notna(), None), categories=levels, ordered=ordered)


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return ((later - earlier) / pd.Timedelta(days=1)).astype("Float64").astype("Int64")


def clean_patients(kept: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    p = kept.sort_values("patient_id", ignore_index=True)
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


def _n_codes(interventions: pd.Series) -> pd.array:
    """Number of codes of each canonical code list ("" = 0, <NA> stays <NA>)."""
    texts = pa.array(interventions.array, type=pa.large_string())
    n = pc.add(pc.count_substring(texts, ";"), 1)
    return pd.array(pc.if_else(pc.equal(texts, ""), 0, n), dtype="Int64")


def clean_sessions(kept: pd.DataFrame) -> pd.DataFrame:
    s = kept.sort_values(["patient_id", "session_date", "line"], ignore_index=True)
    return pd.DataFrame(
        {
            "line": pd.array(s["line"], dtype="Int64"),
            "patient_id": s["patient_id"].astype("string"),
            "session_date": s["session_date"].astype("datetime64[ns]"),
            "interventions": s["interventions"].astype("string"),
            "n_codes": _n_codes(s["interventions"].astype("string")),
        }
    )


def session_interventions(kept: pd.DataFrame) -> pd.DataFrame:
    """One row per (visit, code), sorted by (line, code); visits in line order already."""
    s = kept.sort_values("line", ignore_index=True)
    lists = pc.split_pattern(pa.array(s["interventions"].fillna(""), type=pa.large_string()), ";")
    tokens = pc.list_flatten(lists)
    parent = pc.list_parent_indices(lists).to_numpy()
    coded = pc.not_equal(tokens, "").to_numpy(zero_copy_only=False)
    rows = parent[coded]
    codes = pc.cast(tokens.filter(pa.array(coded)), pa.int64()).to_numpy()
    return pd.DataFrame(
        {
            "line": pd.array(s["line"].to_numpy()[rows], dtype="Int64"),
            "patient_id": pd.array(s["patient_id"].to_numpy(dtype=object)[rows], dtype="string"),
            "session_date": s["session_date"].to_numpy("datetime64[ns]")[rows],
            "code": pd.array(codes, dtype="Int64"),
        }
    )


def clean_outcomes(kept: pd.DataFrame) -> pd.DataFrame:
    o = kept.assign(timepoint=_category(kept["timepoint"], cs.TIMEPOINTS, ordered=True))
    o = o.sort_values(["patient_id", "timepoint"], ignore_index=True)
    return pd.DataFrame(
        {
            "patient_id": o["patient_id"].astype("string"),
            "timepoint": o["timepoint"],
            "assessment_date": o["assessment_date"].astype("datetime64[ns]"),
            "nprs": o["nprs"].astype("Int64"),
            "dri": o["dri"].astype("Float64"),
            "eq_vas": o["eq_vas"].astype("Int64"),
        }
    )


MODELS = {
    "patients": cs.CleanPatients,
    "sessions": cs.CleanSessions,
    "session_interventions": cs.CleanSessionInterventions,
    "outcomes": cs.CleanOutcomes,
}


def validate_clean(tables: CleanTables) -> None:
    """Every clean table against its model (raises pandera SchemaErrors: a bug, not data)."""
    with always_validate():
        for name in CLEAN_TABLES:
            MODELS[name].validate(getattr(tables, name), lazy=True)


def read_kept(paths: Mapping[str, str | Path]) -> dict[str, pd.DataFrame]:
    # Arrow-backed strings (not Python objects): string operations stay vectorized.
    strings = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}
    return {name: pq.read_table(path).to_pandas(types_mapper=strings.get) for name, path in paths.items()}


def write_clean(tables: CleanTables, paths: Mapping[str, str | Path]) -> None:
    from rehab.validation_outputs import write_parquet

    for name in CLEAN_TABLES:
        write_parquet(getattr(tables, name), paths[name])
