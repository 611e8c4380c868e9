"""Clean tables: dtypes, categories, derived variables and order on a hand-computed export."""

from __future__ import annotations

import pandas as pd
import pytest
from analysis_helpers import PAPER_STUDY
from validation_helpers import SESSIONS, run_validation

from rehab.ingest.cleaning import CLEAN_TABLES, clean_export, read_kept, write_clean


@pytest.fixture
def tables(tmp_path):
    run = run_validation(tmp_path, sessions=SESSIONS + ['P1,2020-03-02,"1;1"'])
    kept = read_kept({name: run.root / "kept" / f"{name}.parquet" for name in ("patients", "sessions", "outcomes")})
    return clean_export(kept, PAPER_STUDY)


def test_patient_dtypes_and_categories(tables):
    p = tables.patients
    assert list(p.columns) == [
        "patient_id", "sex", "age", "height_cm", "weight_kg", "smoker", "pain_onset_date",
        "program_start_date", "discharge_date", "pain_distribution", "main_pain_location",
        "ability_to_reduce_pain", "activity_minutes_week", "eq5d_version", "eq5d_anxiety_depression",
        "rehab_goals", "bmi", "pain_duration_days", "program_duration_days", "program_duration_months",
        "low_ability_to_reduce_pain", "physically_active", "anxious_depressed", "n_sessions",
    ]  # fmt: skip
    dtypes = p.dtypes.astype(str).to_dict()
    assert dtypes["patient_id"] == "string" and dtypes["age"] == "Int64" and dtypes["bmi"] == "Float64"
    assert dtypes["smoker"] == "boolean" and dtypes["discharge_date"] == "datetime64[ns]"
    assert list(p["sex"].cat.categories) == ["F", "M"] and not p["sex"].cat.ordered
    assert list(p["pain_distribution"].cat.categories) == ["localized", "regional", "generalized"]
    assert p["pain_distribution"].cat.ordered
    assert list(p["main_pain_location"].cat.categories)[:2] == ["neck", "multiple"]
    assert list(p["eq5d_version"].cat.categories) == ["3L", "5L"]


def test_derived_patient_values(tables):
    p = tables.patients.set_index("patient_id")
    # P1: 60 kg, 165 cm; onset 2019-01-01, start 2020-01-10, discharge 2020-06-10
    assert p.loc["P1", "bmi"] == pytest.approx(60 / 1.65**2)
    assert p.loc["P1", "pain_duration_days"] == 374
    assert p.loc["P1", "program_duration_days"] == 152
    assert p.loc["P1", "program_duration_months"] == pytest.approx(152 / 30.4375)
    assert p.loc["P1", "low_ability_to_reduce_pain"]  # ability 2
    assert not p.loc["P1", "physically_active"]  # 120 minutes
    assert p.loc["P1", "anxious_depressed"]  # level 2
    assert p.loc["P1", "smoker"] is False or p.loc["P1", "smoker"] == False  # noqa: E712
    assert p.loc["P2", "physically_active"] and not p.loc["P2", "low_ability_to_reduce_pain"]
    assert not p.loc["P2", "anxious_depressed"] and pd.isna(p.loc["P2", "program_duration_days"])
    assert pd.isna(p.loc["P3", "pain_duration_days"]) and pd.isna(p.loc["P3", "low_ability_to_reduce_pain"])
    assert p["n_sessions"].to_dict() == {"P1": 4, "P2": 1, "P3": 1}


def test_sessions_and_long_table(tables):
    s = tables.sessions
    assert list(s.columns) == ["line", "patient_id", "session_date", "interventions", "n_codes"]
    assert s["line"].tolist() == [2, 3, 4, 7, 5, 6]  # sorted by patient, date, line
    assert s["interventions"].tolist()[:3] == ["1;2", "3", "4;10"]
    assert pd.isna(s["interventions"].iloc[3]) and pd.isna(s["n_codes"].iloc[3])  # "1;1" set missing
    assert s.set_index("line").loc[5, "interventions"] == "" and s.set_index("line").loc[5, "n_codes"] == 0
    assert s.set_index("line").loc[4, "n_codes"] == 2
    long = tables.session_interventions
    assert list(long.columns) == ["line", "patient_id", "session_date", "code"]
    assert long[["line", "code"]].values.tolist() == [[2, 1], [2, 2], [3, 3], [4, 4], [4, 10], [6, 5]]
    assert str(long["code"].dtype) == "Int64" and str(long["session_date"].dtype) == "datetime64[ns]"


def test_outcomes_table(tables):
    o = tables.outcomes
    assert list(o.columns) == ["patient_id", "timepoint", "assessment_date", "nprs", "dri", "eq_vas"]
    assert o["timepoint"].cat.ordered and list(o["timepoint"].cat.categories) == ["start", "discharge", "followup"]
    assert o[["patient_id", "timepoint"]].astype(str).values.tolist()[:2] == [["P1", "start"], ["P1", "discharge"]]
    assert str(o["dri"].dtype) == "Float64" and str(o["nprs"].dtype) == "Int64"
    assert o.set_index(["patient_id", "timepoint"]).loc[("P2", "start"), "dri"] == 35.3


def test_clean_tables_written_deterministically(tables, tmp_path):
    paths = [{name: tmp_path / run / f"{name}.parquet" for name in CLEAN_TABLES} for run in ("a", "b")]
    for target in paths:
        write_clean(tables, target)
    for name in CLEAN_TABLES:
        assert paths[0][name].read_bytes() == paths[1][name].read_bytes()
    back = pd.read_parquet(paths[0]["patients"])
    assert list(back["pain_distribution"].cat.categories) == ["localized", "regional", "generalized"]


def test_clean_model_rejects_wrong_dtype(tables):
    import pandera.pandas as pa

    from schemas.clean import CleanPatients

    with pytest.raises(pa.errors.SchemaError):
        CleanPatients.validate(tables.patients.assign(age=tables.patients["age"].astype("float64")))


def test_clean_outcomes_follow_the_declared_instruments_and_time_points(tmp_path):
    from analysis_helpers import extended_study
    from validation_helpers import EXTENDED_HEADER, EXTENDED_OUTCOMES

    study = extended_study()
    run = run_validation(tmp_path, study=study, outcomes=EXTENDED_OUTCOMES, headers={"outcomes": EXTENDED_HEADER})
    kept = read_kept({name: run.root / "kept" / f"{name}.parquet" for name in ("patients", "sessions", "outcomes")})
    outcomes = clean_export(kept, study).outcomes
    assert list(outcomes.columns) == [
        "patient_id",
        "timepoint",
        "assessment_date",
        "nprs",
        "dri",
        "eq_vas",
        "hads_anxiety",
    ]
    assert list(outcomes["timepoint"].cat.categories) == ["start", "discharge", "six_months", "followup"]
    assert outcomes["hads_anxiety"].dtype == "Int64"
    # sorted by patient, then time point in the declared order (six months before followup)
    assert outcomes[["patient_id", "timepoint"]].astype(str).values.tolist()[:2] == [
        ["P1", "start"],
        ["P1", "six_months"],
    ]
