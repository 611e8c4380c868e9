"""Hand-made clean tables (the shape of docs/architecture.md) for the analysis tests."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import yaml

from rehab.core.study import Study
from rehab.workflow.config_check import check_config, with_schema_defaults
from schemas.clean import (
    DAYS_PER_MONTH,
    EQ5D_VERSION,
    MAIN_PAIN_LOCATION,
    PAIN_DISTRIBUTION,
    SEX,
    CleanPatients,
    CleanSessionInterventions,
    CleanSessions,
    outcomes_model,
)

START = pd.Timestamp("2016-01-01")
ROOT = Path(__file__).resolve().parents[1]
# config/config.yaml with the schema's defaults filled in, as the workflow reads it
CONFIG = check_config(
    yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8")), ROOT / "schemas/config.schema.yaml"
)
# The paper's declaration (config/config.yaml `study`): nprs, dri, eq_vas at start,
# discharge and followup; the subgroups sex, age_band, pain_distribution,
# main_pain_location and baseline_severity.
PAPER_DECLARATION = {section: CONFIG["study"][section] for section in ("instruments", "timepoints", "subgroups")}
PAPER_STUDY = Study.from_declaration(PAPER_DECLARATION)
# The configured codebook's codes (config/codebook.csv): the valid intervention codes.
PAPER_CODES = tuple(pd.read_csv(Path(__file__).resolve().parents[1] / CONFIG["codebook"])["code"].astype(int))
MIN_GROUP_SIZE = 2
# A fourth instrument and a fourth time point, as a cohort would declare them.
HADS_ANXIETY = {
    "label": "Anxiety (HADS-A)",
    "short_label": "HADS-A",
    "domain": "anxiety",
    "type": "integer",
    "range": [0, 21],
    "better": "lower",
    "responders": [{"absolute": 2}],
}
SIX_MONTHS = {"name": "six_months", "label": "6 months after discharge", "short_label": "6 months"}


def declaration_with(change=None) -> dict:
    """A deep copy of the paper's declaration, changed in place by `change(declared)`."""
    declared = copy.deepcopy(PAPER_DECLARATION)
    if change is not None:
        change(declared)
    return declared


def declared_study(declared: dict) -> Study:
    """A study declaration written by hand, read as the workflow reads a config's: with the
    schema's defaults filled in (they are stated there only)."""
    return Study.from_declaration(with_schema_defaults(declared, ROOT / "schemas/config.schema.yaml", "study"))


def study_with(change=None) -> Study:
    """The paper's study with `change(declared)` applied to its declaration."""
    return declared_study(declaration_with(change))


def extended_study() -> Study:
    """The paper's study plus hads_anxiety and six_months (between discharge and followup)."""

    def extend(declared):
        declared["instruments"]["hads_anxiety"] = copy.deepcopy(HADS_ANXIETY)
        declared["timepoints"].insert(2, dict(SIX_MONTHS))

    return study_with(extend)


def make_patients(rows: list[dict], sessions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Patients from partial rows (patient_id required); derived columns computed as cleaning does."""
    defaults = {
        "sex": "F",
        "age": 40,
        "height_cm": None,
        "weight_kg": None,
        "smoker": None,
        "pain_onset_date": None,
        "program_start_date": START,
        "discharge_date": None,
        "pain_distribution": None,
        "main_pain_location": None,
        "ability_to_reduce_pain": None,
        "activity_minutes_week": None,
        "eq5d_version": None,
        "eq5d_anxiety_depression": None,
        "rehab_goals": None,
    }
    frame = pd.DataFrame([{**defaults, **row} for row in rows], columns=["patient_id", *defaults])
    out = pd.DataFrame({"patient_id": frame["patient_id"].astype("string")})
    out["sex"] = pd.Categorical(frame["sex"], categories=SEX)
    out["age"] = frame["age"].astype("Int64")
    out["height_cm"] = frame["height_cm"].astype("Float64")
    out["weight_kg"] = frame["weight_kg"].astype("Float64")
    out["smoker"] = frame["smoker"].astype("boolean")
    for column in ("pain_onset_date", "program_start_date", "discharge_date"):
        out[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    out["pain_distribution"] = pd.Categorical(frame["pain_distribution"], categories=PAIN_DISTRIBUTION, ordered=True)
    out["main_pain_location"] = pd.Categorical(frame["main_pain_location"], categories=MAIN_PAIN_LOCATION)
    for column in ("ability_to_reduce_pain", "activity_minutes_week"):
        out[column] = frame[column].astype("Int64")
    out["eq5d_version"] = pd.Categorical(frame["eq5d_version"], categories=EQ5D_VERSION)
    out["eq5d_anxiety_depression"] = frame["eq5d_anxiety_depression"].astype("Int64")
    out["rehab_goals"] = frame["rehab_goals"].astype("Int64")
    out["bmi"] = (out["weight_kg"] / (out["height_cm"] / 100) ** 2).astype("Float64")
    out["pain_duration_days"] = (out["program_start_date"] - out["pain_onset_date"]).dt.days.astype("Int64")
    out["program_duration_days"] = (out["discharge_date"] - out["program_start_date"]).dt.days.astype("Int64")
    out["program_duration_months"] = (out["program_duration_days"].astype("Float64") / DAYS_PER_MONTH).astype("Float64")
    out["low_ability_to_reduce_pain"] = (out["ability_to_reduce_pain"] <= 2).astype("boolean")
    out["physically_active"] = (out["activity_minutes_week"] >= 150).astype("boolean")
    out["anxious_depressed"] = (out["eq5d_anxiety_depression"] >= 2).astype("boolean")
    counts = sessions["patient_id"].value_counts() if sessions is not None else pd.Series(dtype="int64")
    out["n_sessions"] = out["patient_id"].map(counts).fillna(0).astype("Int64")
    out = out.sort_values("patient_id").reset_index(drop=True)
    return CleanPatients.validate(out)


def make_sessions(visits: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Visits as (patient_id, day offset from START, codes list or None) -> (sessions, long)."""
    rows = [
        {"line": index + 2, "patient_id": pid, "session_date": START + pd.Timedelta(days=day), "codes": codes}
        for index, (pid, day, codes) in enumerate(visits)
    ]
    frame = pd.DataFrame(rows, columns=["line", "patient_id", "session_date", "codes"])
    sessions = (
        pd.DataFrame(
            {
                "line": frame["line"].astype("Int64"),
                "patient_id": frame["patient_id"].astype("string"),
                "session_date": frame["session_date"].astype("datetime64[ns]"),
                "interventions": pd.array(
                    [None if c is None else ";".join(map(str, sorted(c))) for c in frame["codes"]], dtype="string"
                ),
                "n_codes": pd.array([None if c is None else len(c) for c in frame["codes"]], dtype="Int64"),
            }
        )
        .sort_values(["patient_id", "session_date", "line"])
        .reset_index(drop=True)
    )
    long_rows = [
        (row.line, row.patient_id, row.session_date, code)
        for row in frame.itertuples()
        for code in sorted(row.codes or [])
    ]
    long = pd.DataFrame(long_rows, columns=["line", "patient_id", "session_date", "code"])
    long = long.astype({"line": "Int64", "patient_id": "string", "session_date": "datetime64[ns]", "code": "Int64"})
    long = long.sort_values(["line", "code"]).reset_index(drop=True)
    return CleanSessions.validate(sessions), CleanSessionInterventions.validate(long)


def make_outcomes(rows: list[tuple], study: Study = PAPER_STUDY) -> pd.DataFrame:
    """Rows (patient_id, timepoint, one value per instrument of `study` in its order: for the
    paper's nprs, dri, eq_vas); None is missing."""
    frame = pd.DataFrame(rows, columns=["patient_id", "timepoint", *study.instrument_names])
    out = (
        pd.DataFrame(
            {
                "patient_id": frame["patient_id"].astype("string"),
                "timepoint": pd.Categorical(frame["timepoint"], categories=list(study.timepoint_names), ordered=True),
                "assessment_date": pd.Series([pd.NaT] * len(frame), dtype="datetime64[ns]"),
                **{i.name: pd.array(frame[i.name].tolist(), dtype=i.dtype) for i in study.instruments},
            }
        )
        .sort_values(["patient_id", "timepoint"])
        .reset_index(drop=True)
    )
    return outcomes_model(study).validate(out)


def write_clean_tables(folder, patients, sessions, long, outcomes) -> dict:
    """The four clean Parquet files in `folder`; returns their paths by name."""
    paths = {}
    for name, table in (
        ("patients", patients),
        ("sessions", sessions),
        ("session_interventions", long),
        ("outcomes", outcomes),
    ):
        paths[name] = folder / f"{name}.parquet"
        table.to_parquet(paths[name], index=False)
    return paths


def small_cohort() -> dict[str, pd.DataFrame]:
    """Four patients, hand-computed in the tests (even n, ties, missing values, a category
    nobody has, a time point nobody reached).

    p1: F 20 y, BMI 25.0, smoker, 100 d of pain, localized, neck, ability 1, 200 min/week,
        3L level 2, 2 goals, discharged after 60 d; visits [1,2], [1,3].
        start NPRS 8 / DRI 35.3 / EQ-VAS 40 → discharge 6 / 25.3 / 50 (all responders).
    p2: M 30 y, BMI 25.0, non-smoker, 200 d, regional, multiple, ability 3, 100 min/week,
        5L level 1, 3 goals, discharged after 120 d; visits [2], [] (nothing coded).
        start 1 / 50.0 / 95 → discharge 0 / 45.0 / 100 (no responder; NPRS and EQ-VAS
        cannot improve by the threshold).
    p3: F 40 y, no BMI, smoking unknown, 300 d, regional, neck, ability 2, activity and
        EQ-5D unknown, 4 goals, not discharged; one visit with its codes set missing.
        start 6 / — / 50; a discharge row with every outcome missing.
    p4: F 50 y, BMI 20.0, non-smoker, onset, distribution, location unknown, ability 6,
        150 min/week, 5L level 3, goals unknown, discharged after 30 d, no visits.
        no start row; discharge NPRS 3.
    Nobody reached follow-up.
    """
    sessions, long = make_sessions(
        [("p1", 0, [1, 2]), ("p1", 7, [1, 3]), ("p2", 0, [2]), ("p2", 1, []), ("p3", 0, None)]
    )
    day = pd.Timedelta(days=1)
    patients = make_patients(
        [
            {
                "patient_id": "p1",
                "sex": "F",
                "age": 20,
                "height_cm": 180,
                "weight_kg": 81,
                "smoker": True,
                "pain_onset_date": START - 100 * day,
                "discharge_date": START + 60 * day,
                "pain_distribution": "localized",
                "main_pain_location": "neck",
                "ability_to_reduce_pain": 1,
                "activity_minutes_week": 200,
                "eq5d_version": "3L",
                "eq5d_anxiety_depression": 2,
                "rehab_goals": 2,
            },
            {
                "patient_id": "p2",
                "sex": "M",
                "age": 30,
                "height_cm": 160,
                "weight_kg": 64,
                "smoker": False,
                "pain_onset_date": START - 200 * day,
                "discharge_date": START + 120 * day,
                "pain_distribution": "regional",
                "main_pain_location": "multiple",
                "ability_to_reduce_pain": 3,
                "activity_minutes_week": 100,
                "eq5d_version": "5L",
                "eq5d_anxiety_depression": 1,
                "rehab_goals": 3,
            },
            {
                "patient_id": "p3",
                "sex": "F",
                "age": 40,
                "pain_onset_date": START - 300 * day,
                "pain_distribution": "regional",
                "main_pain_location": "neck",
                "ability_to_reduce_pain": 2,
                "rehab_goals": 4,
            },
            {
                "patient_id": "p4",
                "sex": "F",
                "age": 50,
                "height_cm": 150,
                "weight_kg": 45,
                "smoker": False,
                "discharge_date": START + 30 * day,
                "ability_to_reduce_pain": 6,
                "activity_minutes_week": 150,
                "eq5d_version": "5L",
                "eq5d_anxiety_depression": 3,
            },
        ],
        sessions,
    )
    outcomes = make_outcomes(
        [
            ("p1", "start", 8, 35.3, 40),
            ("p1", "discharge", 6, 25.3, 50),
            ("p2", "start", 1, 50.0, 95),
            ("p2", "discharge", 0, 45.0, 100),
            ("p3", "start", 6, None, 50),
            ("p3", "discharge", None, None, None),
            ("p4", "discharge", 3, None, None),
        ]
    )
    return {"patients": patients, "sessions": sessions, "session_interventions": long, "outcomes": outcomes}


ACCOUNTING = pd.DataFrame(
    {
        "file": ["patients", "sessions", "outcomes"],
        "rows_read": [5, 6, 8],
        "rows_kept": [4, 5, 7],
        "rows_quarantined": [1, 1, 1],
        "values_set_missing": [2, 1, 0],
    }
)


OUTCOMES = ("nprs", "dri", "eq_vas")


def required_keys() -> list[str]:
    """Every key docs/outputs.md ("numbers.csv keys") says exists."""
    keys = ["flow.patients", "flow.with_discharge", "flow.with_followup"]
    keys += [f"baseline.age.{s}" for s in ("mean", "sd", "min", "max")]
    keys += [f"baseline.bmi.{s}" for s in ("mean", "sd", "valid_n")]
    keys += ["baseline.female.n", "baseline.female.pct"]
    keys += [f"baseline.smoker.{s}" for s in ("n", "pct", "valid_n")]
    keys += [f"baseline.pain_duration_days.{s}" for s in ("median", "q1", "q3", "valid_n")]
    keys += ["baseline.pain_distribution.valid_n"]
    keys += [
        f"baseline.pain_distribution.{level}.{s}"
        for level in ("localized", "regional", "generalized")
        for s in ("n", "pct")
    ]
    keys += ["baseline.main_pain_location.valid_n"]
    keys += [
        f"baseline.main_pain_location.{level}.{s}"
        for level in ("neck", "multiple", "lumbar_thoracic_pelvis", "hip_knee_ankle_foot", "shoulder_elbow_hand")
        for s in ("n", "pct")
    ]
    keys += [f"baseline.{o}.{s}" for o in OUTCOMES for s in ("median", "q1", "q3", "valid_n")]
    for flag in ("low_ability_to_reduce_pain", "physically_active", "anxious_depressed"):
        keys += [f"baseline.{flag}.{s}" for s in ("n", "pct", "valid_n")]
    keys += [f"baseline.rehab_goals.{s}" for s in ("median", "q1", "q3", "valid_n")]
    keys += [f"interventions.{code}.{s}" for code in range(1, 11) for s in ("n_patients", "pct_patients")]
    keys += [f"program.sessions.{s}" for s in ("median", "q1", "q3")]
    keys += [f"program.duration_months.{s}" for s in ("median", "q1", "q3")]
    keys += [
        f"outcomes.{o}.{t}.{s}"
        for o in OUTCOMES
        for t in ("start", "discharge", "followup")
        for s in ("median", "q1", "q3", "n")
    ]
    keys += [
        f"responders.{o}.{t}.{s}"
        for o in OUTCOMES
        for t in ("discharge", "followup")
        for s in ("n_responders", "n_evaluable", "pct", "ci_low", "ci_high")
    ]
    return keys
