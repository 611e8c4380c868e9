"""One test per rule of the raw-export contract: a tiny export with that one defect.

Each case appends one defective line to a valid baseline export (tests/validation_helpers.py)
and asserts the line, column, check and action recorded in failures.csv, so that removing
the rule makes its test fail. Baseline lines: patients 2-4 (P1-P3), sessions 2-6,
outcomes 2-6; an appended line is line 5 of patients.csv or line 7 of the other two files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from analysis_helpers import PAPER_CODES, PAPER_STUDY
from validation_helpers import (
    DEFAULT_DIALECT,
    DEFAULT_EXPORT,
    EXTENDED_HEADER,
    EXTENDED_OUTCOMES,
    OUTCOMES,
    PATIENTS,
    SESSIONS,
    outcome_row,
    patient_row,
    run_validation,
)

Q, M = "quarantined", "set_missing"
ROOT = Path(__file__).resolve().parents[2]

PATIENT_CASES = {
    # column rules
    "pseudonym_bad_character": (dict(patient_id="P#4"), "patient_id", "pseudonym", Q),
    "pseudonym_too_long": (dict(patient_id="P" * 33), "patient_id", "pseudonym", Q),
    "sex_required": (dict(sex=""), "sex", "required", Q),
    "sex_level_case_exact": (dict(sex="f"), "sex", "level", Q),
    "age_required": (dict(age=""), "age", "required", Q),
    "age_not_integer": (dict(age="45.5"), "age", "integer", Q),
    "age_text": (dict(age="forty"), "age", "integer", Q),
    "age_below_range": (dict(age="17"), "age", "range", Q),
    "age_above_range": (dict(age="101"), "age", "range", Q),
    "height_leading_decimal_mark": (dict(height_cm=".5"), "height_cm", "number", M),
    "height_trailing_decimal_mark": (dict(height_cm="170."), "height_cm", "number", M),
    "height_exponent": (dict(height_cm="1.7e2"), "height_cm", "number", M),
    "height_thousands_separator": (dict(height_cm='"1,700"'), "height_cm", "number", M),
    "height_decimal_comma_in_dot_dialect": (dict(height_cm='"170,5"'), "height_cm", "number", M),
    "height_range": (dict(height_cm="119.9"), "height_cm", "range", M),
    "weight_range": (dict(weight_kg="250.5"), "weight_kg", "range", M),
    "smoker_level": (dict(smoker="Yes"), "smoker", "level", M),
    "pain_onset_impossible_date": (dict(pain_onset_date="2021-02-30"), "pain_onset_date", "date", M),
    "pain_onset_not_iso": (dict(pain_onset_date="2019/01/01"), "pain_onset_date", "date", M),
    "pain_onset_after_start": (dict(pain_onset_date="2020-01-02"), "pain_onset_date", "pain_onset_not_after_start", M),
    "program_start_required": (dict(program_start_date=""), "program_start_date", "required", Q),
    "program_start_invalid_date": (dict(program_start_date="2020-13-01"), "program_start_date", "date", Q),
    "program_start_before_2000": (
        dict(program_start_date="1999-12-31", pain_onset_date=""),
        "program_start_date",
        "min_date",
        Q,
    ),
    "discharge_before_start": (dict(discharge_date="2019-12-31"), "discharge_date", "discharge_not_before_start", M),
    "discharge_impossible_date": (dict(discharge_date="2020-04-31"), "discharge_date", "date", M),
    "pain_distribution_level": (dict(pain_distribution="Localized"), "pain_distribution", "level", M),
    "main_pain_location_level": (dict(main_pain_location="back"), "main_pain_location", "level", M),
    "ability_range": (dict(ability_to_reduce_pain="7"), "ability_to_reduce_pain", "range", M),
    "ability_not_integer": (dict(ability_to_reduce_pain="2.5"), "ability_to_reduce_pain", "integer", M),
    "activity_range_high": (dict(activity_minutes_week="10081"), "activity_minutes_week", "range", M),
    "activity_range_negative": (dict(activity_minutes_week="-1"), "activity_minutes_week", "range", M),
    "eq5d_version_level": (dict(eq5d_version="4L", eq5d_anxiety_depression=""), "eq5d_version", "level", M),
    "eq5d_level_beyond_3l": (
        dict(eq5d_version="3L", eq5d_anxiety_depression="4"),
        "eq5d_anxiety_depression",
        "eq5d_level_within_version",
        M,
    ),
    "eq5d_level_without_version": (
        dict(eq5d_version="", eq5d_anxiety_depression="2"),
        "eq5d_anxiety_depression",
        "eq5d_level_within_version",
        M,
    ),
    "eq5d_level_range": (dict(eq5d_anxiety_depression="6"), "eq5d_anxiety_depression", "range", M),
    "rehab_goals_range": (dict(rehab_goals="21"), "rehab_goals", "range", M),
}


@pytest.mark.parametrize("values, column, check, action", PATIENT_CASES.values(), ids=PATIENT_CASES.keys())
def test_patient_column_rule(tmp_path, values, column, check, action):
    run = run_validation(tmp_path, patients=PATIENTS + [patient_row(**values)])
    failure = run.failure("patients", 5)
    assert (column, check, action) in set(failure[["column", "check", "action"]].itertuples(index=False, name=None))
    kept = run.kept("patients")
    if action == Q:
        assert "P4" not in set(kept["patient_id"]) and 5 in run.quarantine("patients")["line"].astype(int).tolist()
    else:
        row = kept.set_index("patient_id").loc[values.get("patient_id", "P4")]
        assert pd.isna(row[column]), "the invalid optional value must be set missing"
    assert len(run.failures) == len(failure), "no other row may fail"


def test_invalid_optional_value_keeps_other_data(tmp_path):
    run = run_validation(tmp_path, patients=PATIENTS + [patient_row(height_cm=".5")])
    row = run.kept("patients").set_index("patient_id").loc["P4"]
    assert row["weight_kg"] == 70 and row["age"] == 45 and row["program_start_date"] == pd.Timestamp("2020-01-01")
    failure = run.failure("patients", 5).iloc[0]
    assert failure["value"] == ".5" and failure["patient_id"] == "P4"
    assert run.accounting.loc["patients", "values_set_missing"] == 1


def test_quarantined_row_lists_every_broken_rule_and_optional_failures_as_quarantined(tmp_path):
    run = run_validation(tmp_path, patients=PATIENTS + [patient_row(age="17", height_cm="5.", smoker="maybe")])
    failure = run.failure("patients", 5)
    assert set(failure["check"]) == {"range", "number", "level"}
    assert set(failure["action"]) == {Q}
    assert run.accounting.loc["patients", "values_set_missing"] == 0
    reasons = run.quarantine("patients").set_index("line").loc["5", "reasons"]
    assert reasons == "age: range; height_cm: number; smoker: level"


@pytest.mark.parametrize("pin", ["198001011234", "19800101-1234", "800101-1234", "800101+1234", "8001011234"])
def test_personal_identity_number_is_refused_and_masked(tmp_path, pin):
    run = run_validation(
        tmp_path, patients=PATIENTS + [patient_row(patient_id=pin)], sessions=SESSIONS + [f"{pin},2020-02-01,1"]
    )
    failure = run.failure("patients", 5)
    assert failure[["column", "check", "action"]].values.tolist() == [["patient_id", "personal_identity_number", Q]]
    assert failure["patient_id"].tolist() == ["REDACTED"] and failure["value"].tolist() == ["REDACTED"]
    session = run.failure("sessions", 7)
    assert set(session["check"]) == {"personal_identity_number", "quarantined_patient"}
    digits = pin.replace("-", "").replace("+", "")
    for path in run.root.rglob("*"):
        if path.is_file():
            text = path.read_bytes()
            assert pin.encode() not in text and digits.encode() not in text, path
    assert run.quarantine("sessions")["record"].tolist() == ["REDACTED,2020-02-01,1"]


def test_na_is_a_valid_pseudonym_without_missing_token(tmp_path):
    run = run_validation(
        tmp_path, patients=PATIENTS + [patient_row(patient_id="NA")], sessions=SESSIONS + ["NA,2020-02-01,1"]
    )
    assert run.failures.empty
    assert "NA" in set(run.kept("patients")["patient_id"]) and "NA" in set(run.kept("sessions")["patient_id"])


def test_configured_missing_token_means_missing(tmp_path):
    dialect = {**DEFAULT_DIALECT, "missing_values": ["NA", "-"]}
    run = run_validation(tmp_path, dialect, patients=PATIENTS + [patient_row(smoker="NA", height_cm="-")])
    assert run.failures.empty
    row = run.kept("patients").set_index("patient_id").loc["P4"]
    assert pd.isna(row["smoker"]) and pd.isna(row["height_cm"])
    run = run_validation(tmp_path / "b", dialect, patients=PATIENTS + [patient_row(patient_id="NA")])
    assert run.failure("patients", 5)[["column", "check"]].values.tolist() == [["patient_id", "required"]]


def test_integer_with_zero_fraction_is_accepted(tmp_path):
    run = run_validation(tmp_path, patients=PATIENTS + [patient_row(age="45.0", ability_to_reduce_pain="+3.00")])
    assert run.failures.empty
    row = run.kept("patients").set_index("patient_id").loc["P4"]
    assert row["age"] == 45 and row["ability_to_reduce_pain"] == 3


def test_decimal_comma_dialect(tmp_path):
    """`;` separated, `,` decimal mark: `45,00` is the integer 45, `170,5` the number 170.5,
    `170.5` is invalid."""
    dialect = {**DEFAULT_DIALECT, "separator": ";", "decimal": ",", "encoding": "cp1252"}
    patients = [p.replace(",", ";") for p in PATIENTS] + [
        patient_row(";", age="45,00", height_cm="170,5", weight_kg="70.5", rehab_goals="7,00")
    ]
    run = run_validation(
        tmp_path, dialect,
        patients=patients,
        sessions=[s.replace(",", ";") for s in SESSIONS],
        outcomes=[o.replace(",", ";").replace(".", ",") for o in OUTCOMES],
        separator=";", encoding="cp1252",
    )  # fmt: skip
    # sessions lines hold "1;2" quoted: replacing the separator keeps them valid code lists
    row = run.kept("patients").set_index("patient_id").loc["P4"]
    assert row["age"] == 45 and row["height_cm"] == 170.5 and row["rehab_goals"] == 7 and pd.isna(row["weight_kg"])
    assert run.failures[["file", "line", "column", "check", "action"]].values.tolist() == [
        ["patients", "5", "weight_kg", "number", M]
    ]
    assert run.kept("outcomes").set_index(["patient_id", "timepoint"]).loc[("P1", "start"), "dri"] == 40.5


# ----------------------------------------------------------------------------- duplicates


def test_duplicate_patient_row_first_kept(tmp_path):
    run = run_validation(
        tmp_path,
        patients=PATIENTS + [" P1 ,F, 40,165,60,no,2019-01-01,2020-01-10,2020-06-10,localized,neck,2,120,5L,2,3"],
    )
    assert run.failures[["file", "line", "check", "action"]].values.tolist() == [["patients", "5", "duplicate_row", Q]]
    assert run.kept("patients")["patient_id"].tolist().count("P1") == 1


def test_conflicting_patient_rows_all_quarantined(tmp_path):
    run = run_validation(tmp_path, patients=PATIENTS + [PATIENTS[0].replace(",40,", ",41,")])
    conflict = run.failures[run.failures["check"] == "conflicting_key"]
    assert conflict[["file", "line", "action"]].values.tolist() == [["patients", "2", Q], ["patients", "5", Q]]
    assert "P1" not in set(run.kept("patients")["patient_id"])
    # P1's sessions and outcomes now belong to a quarantined patient
    assert set(run.failures.loc[run.failures["file"] == "sessions", "check"]) == {"quarantined_patient"}


def test_duplicate_session_codes_compared_as_set(tmp_path):
    run = run_validation(tmp_path, sessions=SESSIONS + ['P1,2020-01-10," 2 ;1"'])
    assert run.failures[["file", "line", "check", "action"]].values.tolist() == [["sessions", "7", "duplicate_row", Q]]


def test_two_visits_on_one_day_are_allowed(tmp_path):
    run = run_validation(tmp_path, sessions=SESSIONS + ["P1,2020-01-10,4"])
    assert run.failures.empty
    assert (run.kept("sessions")["patient_id"] == "P1").sum() == 4


def test_duplicate_outcome_row(tmp_path):
    run = run_validation(tmp_path, outcomes=OUTCOMES + [OUTCOMES[0]])
    assert run.failures[["file", "line", "check", "action"]].values.tolist() == [["outcomes", "7", "duplicate_row", Q]]


def test_conflicting_outcome_rows(tmp_path):
    run = run_validation(tmp_path, outcomes=OUTCOMES + ["P1,start,2020-01-10,6,40.5,50"])
    assert run.failures[["file", "line", "check"]].values.tolist() == [
        ["outcomes", "2", "conflicting_key"], ["outcomes", "7", "conflicting_key"]
    ]  # fmt: skip


# ----------------------------------------------------------------------------- row shape


def test_wrong_number_of_fields(tmp_path):
    run = run_validation(tmp_path, patients=PATIENTS + ["P4,F,45"])
    failure = run.failure("patients", 5)
    assert failure[["column", "check", "action"]].values.tolist() == [["", "field_count", Q]]
    assert failure["message"].iloc[0] == "row has 3 fields, expected 16"
    quarantine = run.quarantine("patients")
    assert quarantine[["line", "reasons", "record"]].values.tolist() == [["5", "field_count", "P4,F,45"]]


def test_line_of_separators_is_a_row_with_every_field_empty(tmp_path):
    run = run_validation(tmp_path, sessions=SESSIONS + [",,"])
    assert run.failure("sessions", 7)[["column", "check"]].values.tolist() == [
        ["patient_id", "required"], ["session_date", "required"]
    ]  # fmt: skip


def test_line_is_the_physical_line_where_the_record_starts(tmp_path):
    run = run_validation(tmp_path, sessions=SESSIONS + ['P1,2020-02-02,"1;\n2"', "P9,2020-02-02,1"])
    assert run.failures[["line", "check"]].values.tolist() == [["9", "unknown_patient"]]


def test_a_stray_quote_quarantines_its_line_only(tmp_path):
    # Line 5's quote would run to line 7's well-quoted field; line 5 goes, lines 6-7 are rows.
    sessions = SESSIONS[:3] + ['P1,"2020-02-02,1', "P1,2020-02-03,2", 'P2,2020-02-04,"1;2"']
    run = run_validation(tmp_path, sessions=sessions)
    failure = run.failure("sessions", 5)
    assert failure[["column", "check", "action"]].values.tolist() == [["", "unbalanced_quote", Q]]
    assert failure["message"].iloc[0] == (
        "row opens a quote that does not close on its line (read on, the record would run to line 7 with "
        "2 fields; a record needs 3 fields within 20 lines): a stray quote; this line is quarantined and "
        "the lines after it are read as rows of their own"
    )
    assert run.quarantine("sessions")[["line", "reasons", "record"]].values.tolist() == [
        ["5", "unbalanced_quote", 'P1,"2020-02-02,1']
    ]  # fmt: skip
    assert run.kept("sessions")["line"].tolist() == [2, 3, 4, 6, 7]
    assert run.accounting.loc["sessions", ["rows_read", "rows_kept", "rows_quarantined", "physical_lines"]].tolist() == [
        6, 5, 1, 7
    ]  # fmt: skip


def test_one_stray_quote_in_a_274_patient_file_costs_one_patient(tmp_path):
    """Line 51 opens a quote that line 201's stray quote would close: 150 patients read as one
    record without the rule; with it, line 51 is quarantined and 273 patients are kept."""
    from rehab.ingest.validation import validate_export
    from rehab.ingest.validation_outputs import accounting
    from rehab.synthetic.generator import generate_synthetic_cohort

    folder = tmp_path / "export"
    folder.mkdir()
    paths = {name: folder / f"{name}.csv" for name in ("patients", "sessions", "outcomes")}
    generate_synthetic_cohort(20211028, 274, ROOT / "config" / "synthetic.yaml", paths)
    lines = paths["patients"].read_text(encoding="utf-8").split("\n")
    fields = lines[50].split(",")
    fields[3] = '"' + fields[3]  # line 51: height_cm opens a quote
    lines[50] = ",".join(fields)
    fields = lines[200].split(",")
    fields[9] = '"' + fields[9]  # line 201: pain_distribution, a second stray quote
    lines[200] = ",".join(fields)
    paths["patients"].write_text("\n".join(lines), encoding="utf-8")

    results = validate_export(folder, DEFAULT_DIALECT, PAPER_STUDY, PAPER_CODES, DEFAULT_EXPORT, cohort="test")
    patients = results["patients"]
    assert accounting(results).set_index("file").loc["patients"].tolist() == [274, 273, 1, 1, 275]
    assert patients.quarantined_lines.tolist() == [51]
    failures = patients.failures
    assert failures[["line", "column", "check", "action"]].values.tolist() == [
        [51, "", "unbalanced_quote", Q],
        [201, "pain_distribution", "level", M],  # the second quote, read as a literal, breaks a level
    ]  # fmt: skip
    assert "run to line 201" in failures["message"].iloc[0]
    assert len(patients.kept) == 273 and {52, 200, 201}.issubset(patients.kept["line"])


# ----------------------------------------------------------------------------- sessions

SESSION_CASES = {
    "session_date_required": ("P1,,1", "session_date", "required", Q),
    "session_date_impossible": ("P1,2020-02-30,1", "session_date", "date", Q),
    "session_before_start": ("P1,2020-01-09,1", "session_date", "session_within_program", Q),
    "session_after_discharge": ("P1,2020-06-11,1", "session_date", "session_within_program", Q),
    "session_unknown_patient": ("P9,2020-02-01,1", "patient_id", "unknown_patient", Q),
    "session_patient_required": (",2020-02-01,1", "patient_id", "required", Q),
    "intervention_unknown_code_11": ("P1,2020-02-02,11", "interventions", "intervention_code", M),
    "intervention_code_0": ("P1,2020-02-02,0", "interventions", "intervention_code", M),
    "intervention_not_a_code": ('P1,2020-02-02,"1;x"', "interventions", "intervention_code", M),
    "intervention_empty_code": ('P1,2020-02-02,"1;;2"', "interventions", "intervention_code", M),
    "intervention_repeated": ('P1,2020-02-02,"3;1; 3"', "interventions", "intervention_repeated", M),
}


@pytest.mark.parametrize("row, column, check, action", SESSION_CASES.values(), ids=SESSION_CASES.keys())
def test_session_rule(tmp_path, row, column, check, action):
    run = run_validation(tmp_path, sessions=SESSIONS + [row])
    failure = run.failure("sessions", 7)
    assert failure[["column", "check", "action"]].values.tolist() == [[column, check, action]]
    kept = run.kept("sessions").set_index("line")
    if action == Q:
        assert 7 not in kept.index
    else:
        assert pd.isna(kept.loc[7, "interventions"]) and kept.loc[7, "session_date"] == pd.Timestamp("2020-02-02")


def test_codes_with_whitespace_are_accepted(tmp_path):
    run = run_validation(tmp_path, sessions=SESSIONS + ['P1,2020-02-02," 10 ;\t2 ; 1"'])
    assert run.failures.empty
    assert run.kept("sessions").set_index("line").loc[7, "interventions"] == "1;2;10"


def test_session_of_quarantined_patient(tmp_path):
    run = run_validation(tmp_path, patients=PATIENTS + [patient_row(age="17")], sessions=SESSIONS + ["P4,2020-02-01,1"])
    assert run.failure("sessions", 7)[["column", "check", "action"]].values.tolist() == [
        ["patient_id", "quarantined_patient", Q]
    ]


def test_session_after_invalid_discharge_is_kept(tmp_path):
    """Only a valid, kept discharge date bounds the program."""
    run = run_validation(
        tmp_path,
        patients=PATIENTS + [patient_row(discharge_date="2019-12-01")],
        sessions=SESSIONS + ["P4,2021-01-01,1"],
    )
    assert run.failures[["file", "check"]].values.tolist() == [["patients", "discharge_not_before_start"]]
    assert 7 in set(run.kept("sessions")["line"])


def test_session_without_discharge_has_no_upper_bound(tmp_path):
    run = run_validation(tmp_path, sessions=SESSIONS + ["P2,2030-01-01,1"])
    assert run.failures.empty


# ----------------------------------------------------------------------------- outcomes

OUTCOME_CASES = {
    "timepoint_required": (outcome_row(timepoint=""), "timepoint", "required", Q),
    "timepoint_level": (outcome_row(timepoint="Discharge"), "timepoint", "level", Q),
    "assessment_impossible_date": (outcome_row(assessment_date="2020-09-31"), "assessment_date", "date", M),
    "assessment_before_start": (
        outcome_row(assessment_date="2020-02-29"),
        "assessment_date",
        "assessment_not_before_start",
        M,
    ),
    "followup_assessment_before_start": (
        outcome_row(timepoint="followup", assessment_date="2020-02-01"),
        "assessment_date",
        "assessment_not_before_start",
        M,
    ),
    "nprs_range": (outcome_row(nprs="11"), "nprs", "range", M),
    "nprs_not_integer": (outcome_row(nprs="4.5"), "nprs", "integer", M),
    "dri_range": (outcome_row(dri="100.5"), "dri", "range", M),
    "dri_exponent": (outcome_row(dri="3e1"), "dri", "number", M),
    "eq_vas_range": (outcome_row(eq_vas="-1"), "eq_vas", "range", M),
    "outcome_unknown_patient": (outcome_row(patient_id="P9"), "patient_id", "unknown_patient", Q),
}


@pytest.mark.parametrize("row, column, check, action", OUTCOME_CASES.values(), ids=OUTCOME_CASES.keys())
def test_outcome_rule(tmp_path, row, column, check, action):
    run = run_validation(tmp_path, outcomes=OUTCOMES + [row])
    failure = run.failure("outcomes", 7)
    assert failure[["column", "check", "action"]].values.tolist() == [[column, check, action]]
    kept = run.kept("outcomes").set_index("line")
    if action == Q:
        assert 7 not in kept.index
    else:
        assert pd.isna(kept.loc[7, column]) and kept.loc[7, "patient_id"] == "P3"


def test_start_assessment_before_program_start_is_allowed(tmp_path):
    run = run_validation(
        tmp_path, outcomes=[o for o in OUTCOMES if not o.startswith("P3")] + ["P3,start,2020-02-01,8,50,30"]
    )
    assert run.failures.empty


def test_outcome_of_quarantined_patient(tmp_path):
    run = run_validation(
        tmp_path, patients=PATIENTS + [patient_row(sex="X")], outcomes=OUTCOMES + [outcome_row(patient_id="P4")]
    )
    assert run.failure("outcomes", 7)[["column", "check", "action"]].values.tolist() == [
        ["patient_id", "quarantined_patient", Q]
    ]


# ----------------------------------------------------------------------------- a declared fourth instrument and time point


def run_extended(tmp_path, extra: list[str], study=None):
    from analysis_helpers import extended_study

    return run_validation(
        tmp_path,
        study=study or extended_study(),
        outcomes=EXTENDED_OUTCOMES + extra,
        headers={"outcomes": EXTENDED_HEADER},
    )


def test_a_declared_instrument_and_time_point_pass_validation(tmp_path):
    run = run_extended(tmp_path, [])
    assert run.failures.empty
    columns = run.csv("columns.csv")[["file", "column", "status"]]
    assert columns[columns["file"] == "outcomes"][["column", "status"]].values.tolist()[-1] == [
        "hads_anxiety",
        "present",
    ]
    kept = run.kept("outcomes").set_index(["patient_id", "timepoint"])
    assert kept["hads_anxiety"].dtype == "Int64"
    assert kept.loc[("P1", "six_months"), "hads_anxiety"] == 9 and pd.isna(kept.loc[("P2", "start"), "hads_anxiety"])


EXTENDED_CASES = {
    "hads_range": ("P3,six_months,2020-09-01,5,30,60,22", "hads_anxiety", "range", M, "hads_anxiety is outside 0-21"),
    "hads_not_integer": (
        "P3,six_months,2020-09-01,5,30,60,2.5",
        "hads_anxiety",
        "integer",
        M,
        "hads_anxiety is not an integer (digits, optional sign, optional zero fraction after '.')",
    ),
    "six_months_before_start": (
        "P3,six_months,2020-02-01,5,30,60,3",
        "assessment_date",
        "assessment_not_before_start",
        M,
        "assessment_date of a discharge/six_months/followup row is before the patient's program_start_date",
    ),
    "undeclared_time_point": (
        "P3,three_months,2020-09-01,5,30,60,3",
        "timepoint",
        "level",
        Q,
        "timepoint is not one of: start, discharge, six_months, followup",
    ),
}


@pytest.mark.parametrize("row, column, check, action, message", EXTENDED_CASES.values(), ids=EXTENDED_CASES.keys())
def test_declared_rules_and_their_messages(tmp_path, row, column, check, action, message):
    failure = run_extended(tmp_path, [row]).failure("outcomes", 7)
    assert failure[["column", "check", "action", "message"]].values.tolist() == [[column, check, action, message]]


def test_without_the_declaration_the_column_is_unknown_and_the_time_point_invalid(tmp_path):
    from analysis_helpers import PAPER_STUDY

    run = run_extended(tmp_path, [], study=PAPER_STUDY)
    columns = run.csv("columns.csv")[["file", "column", "status"]]
    assert ["outcomes", "hads_anxiety", "unknown"] in columns.values.tolist()
    assert run.failure("outcomes", 3)[["column", "check", "action"]].values.tolist() == [["timepoint", "level", Q]]
