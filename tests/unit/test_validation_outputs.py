"""Validation outputs: accounting, sort order, quarantine, columns, limit, Pandera env override."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from validation_helpers import OUTCOMES, PATIENTS, SESSIONS, outcome_row, patient_row, run_validation

from rehab.core.errors import QuarantineLimitError
from rehab.ingest.validation_outputs import check_quarantine_limit

ROOT = Path(__file__).resolve().parents[2]


def test_clean_export_passes_untouched(tmp_path):
    run = run_validation(tmp_path)
    assert run.failures.empty and list(run.failures.columns) == [
        "file", "line", "patient_id", "column", "value", "check", "action", "message",
        "source_file", "source_column", "source_value",
    ]  # fmt: skip
    assert run.accounting.to_dict("index") == {
        "patients": dict(rows_read=3, rows_kept=3, rows_quarantined=0, values_set_missing=0, physical_lines=4),
        "sessions": dict(rows_read=5, rows_kept=5, rows_quarantined=0, values_set_missing=0, physical_lines=6),
        "outcomes": dict(rows_read=5, rows_kept=5, rows_quarantined=0, values_set_missing=0, physical_lines=6),
    }
    for name in ("patients", "sessions", "outcomes"):
        quarantine = run.quarantine(name)
        assert quarantine.empty and list(quarantine.columns[:2]) == ["line", "reasons"]
        assert quarantine.columns[-1] == "record"
    kept = run.kept("patients")
    assert kept["patient_id"].tolist() == ["P1", "P2", "P3"]
    assert str(kept["age"].dtype) == "Int64" and str(kept["program_start_date"].dtype) == "datetime64[ns]"


def test_physical_lines_count_the_header_record_lines_and_blank_lines(tmp_path):
    # sessions: header (1) + 5 one-line records + a blank line + a record over 2 lines + a line of
    # spaces + a record whose quoted value spans 3 lines = 1 + 5 + 1 + 2 + 1 + 3 = 13 lines, 7 rows.
    sessions = SESSIONS + ["", 'P1,2020-02-02,"1;\n2"', "  ", 'P1,2020-02-03,"1;\r\n2;\r3"']
    run = run_validation(tmp_path, sessions=sessions)
    assert run.accounting.loc["sessions"].tolist() == [7, 7, 0, 0, 13]
    assert run.kept("sessions")["line"].tolist() == [2, 3, 4, 5, 6, 8, 11]
    assert list(run.accounting.columns) == [
        "rows_read",
        "rows_kept",
        "rows_quarantined",
        "values_set_missing",
        "physical_lines",
    ]


def mixed_run(tmp_path):
    return run_validation(
        tmp_path,
        patients=PATIENTS + [patient_row(height_cm=".5", smoker="x"), patient_row(patient_id="P5", age="17"), "P6,F"],
        sessions=SESSIONS + ["P9,2020-01-01,1", 'P1,2020-02-02,"1;1"'],
        outcomes=OUTCOMES + [outcome_row(nprs="11"), OUTCOMES[0]],
    )


def test_accounting_invariant_and_set_missing_count(tmp_path):
    run = mixed_run(tmp_path)
    acc = run.accounting
    assert (acc["rows_read"] == acc["rows_kept"] + acc["rows_quarantined"]).all()
    assert acc.loc["patients"].tolist() == [6, 4, 2, 2, 7]  # the last: physical lines, header included
    assert acc.loc["sessions"].tolist() == [7, 6, 1, 1, 8]
    assert acc.loc["outcomes"].tolist() == [7, 6, 1, 1, 8]
    for name in acc.index:
        assert len(run.kept(name)) == acc.loc[name, "rows_kept"]
        assert len(run.quarantine(name)) == acc.loc[name, "rows_quarantined"]
        missing = run.failures[(run.failures["file"] == name) & (run.failures["action"] == "set_missing")]
        assert len(missing) == acc.loc[name, "values_set_missing"]


def test_a_file_with_defects_is_logged_as_a_warning_naming_failures_csv(tmp_path, caplog):
    # one bad date quarantines a patient: a WARNING, not an INFO line easily missed
    with caplog.at_level(logging.INFO, logger="rehab"):
        run_validation(tmp_path, patients=PATIENTS + [patient_row(patient_id="P4", program_start_date="2019-13-01")])
    levels = {
        record.getMessage().split(".csv")[0]: record.levelname
        for record in caplog.records
        if record.filename == "validation_outputs.py"
    }
    assert levels == {"patients": "WARNING", "sessions": "INFO", "outcomes": "INFO"}
    (warning,) = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert "1 quarantined" in warning
    assert warning.endswith(f"every failure is in {tmp_path / 'validation' / 'failures.csv'}")


def test_failures_sorted_by_file_line_column(tmp_path):
    failures = mixed_run(tmp_path).failures
    order = failures.assign(
        rank=failures["file"].map({"patients": 0, "sessions": 1, "outcomes": 2}), line=failures["line"].astype(int)
    )
    assert order.equals(order.sort_values(["rank", "line", "column", "check"]))
    assert failures["file"].tolist()[0] == "patients" and failures["file"].tolist()[-1] == "outcomes"


def test_quarantine_rows_verbatim(tmp_path):
    run = run_validation(tmp_path, patients=PATIENTS + ['  P5 ,F,17,,,"no",,2020-01-01,,,,,,,,'])
    quarantine = run.quarantine("patients")
    assert quarantine["line"].tolist() == ["5"]
    assert quarantine["reasons"].tolist() == ["age: range"]
    assert quarantine["record"].tolist() == ['  P5 ,F,17,,,"no",,2020-01-01,,,,,,,,']
    assert quarantine[["patient_id", "age", "smoker"]].values.tolist() == [["P5", "17", "no"]]


def test_unknown_and_absent_columns_reported(tmp_path):
    header = "patient_id,session_date,note"
    run = run_validation(tmp_path, sessions=["P1,2020-01-10,x", "P2,2020-02-01,y"], headers={"sessions": header})
    columns = run.csv("columns.csv")
    sessions = columns[columns["file"] == "sessions"].set_index("column")["status"].to_dict()
    assert sessions == {
        "patient_id": "present",
        "session_date": "present",
        "interventions": "absent",
        "note": "unknown",
    }
    kept = run.kept("sessions")
    assert list(kept.columns) == ["line", "patient_id", "session_date", "interventions"]
    assert run.failures.empty


def test_quarantine_limit_stops_with_clear_message():
    accounting = pd.DataFrame(
        {"file": ["patients", "sessions"], "rows_read": [100, 0], "rows_kept": [94, 0],
         "rows_quarantined": [6, 0], "values_set_missing": [0, 0]}
    )  # fmt: skip
    with pytest.raises(QuarantineLimitError) as error:
        check_quarantine_limit(accounting, 0.05, "clinic", Path("results/clinic/validation"))
    message = str(error.value)
    for part in ("patients.csv", "6 of 100", "6.0%", "5.0%", "results/clinic/validation/failures.csv",
                 "quarantine", "cohorts.clinic.max_quarantine_share"):  # fmt: skip
        assert part in message
    check_quarantine_limit(accounting, 0.06, "clinic", Path("x"))  # exactly at the limit: goes on


ENV_PROBE = """
import sys
from pathlib import Path
sys.path[:0] = [{root!r}, {scripts!r}, {tests!r}]
from validation_helpers import PATIENTS, patient_row, run_validation
run = run_validation(Path({tmp!r}), patients=PATIENTS + [patient_row(age="17", height_cm=".5")])
print(len(run.failures), ",".join(sorted(run.failures["check"])))
from pandera.config import CONFIG  # the environment did take effect on Pandera's own config
print(CONFIG.validation_enabled and CONFIG.validation_depth is None)
"""


@pytest.mark.parametrize("env", [{"PANDERA_VALIDATION_ENABLED": "False"}, {"PANDERA_VALIDATION_DEPTH": "SCHEMA_ONLY"}])
def test_pandera_environment_cannot_switch_validation_off(tmp_path, env):
    code = ENV_PROBE.format(
        root=str(ROOT), scripts=str(ROOT / "workflow" / "scripts"), tests=str(ROOT / "tests"), tmp=str(tmp_path)
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["2", "number,range", "False"]
