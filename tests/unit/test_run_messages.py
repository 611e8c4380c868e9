"""What the run says at its end: the validation summary per cohort, the failed jobs' own
messages, and Snakemake's script-exit report left out (rehab.workflow.run_messages)."""

from __future__ import annotations

import logging

from rehab.workflow.run_messages import (
    failure_report,
    is_script_exit_report,
    last_message,
    run_summary,
    validation_summary,
)

HEADER = "file,rows_read,rows_kept,rows_quarantined,values_set_missing,physical_lines"


def write_accounting(results, cohort, *rows):
    folder = results / cohort / "validation"
    folder.mkdir(parents=True)
    (folder / "accounting.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")


def test_the_summary_counts_each_file_with_defects_and_names_failures_csv(tmp_path):
    write_accounting(
        tmp_path,
        "clinic",
        "patients,30,29,1,0,31",
        "sessions,400,400,0,0,401",
        "outcomes,90,88,2,1,91",
    )
    assert validation_summary("clinic", tmp_path) == [
        "WARNING cohort clinic: the validation quarantined rows or set values missing; every failure "
        f"(file, line, column, check, action) is in {tmp_path / 'clinic' / 'validation' / 'failures.csv'}",
        "WARNING   patients.csv: 1 of 30 rows quarantined, 0 values set missing",
        "WARNING   outcomes.csv: 2 of 90 rows quarantined, 1 value set missing",
    ]


def test_a_clean_or_unvalidated_cohort_says_nothing(tmp_path):
    write_accounting(tmp_path, "clean", "patients,1,1,0,0,2", "sessions,1,1,0,0,2", "outcomes,1,1,0,0,2")
    assert validation_summary("clean", tmp_path) == []
    assert validation_summary("never_ran", tmp_path) == []
    assert run_summary(["clean", "never_ran"], tmp_path) == ""


def test_the_run_summary_joins_the_cohorts_in_order(tmp_path):
    write_accounting(tmp_path, "b", "patients,5,5,0,3,6")
    write_accounting(tmp_path, "a", "sessions,1,0,1,0,2")
    lines = run_summary(["b", "a"], tmp_path).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "WARNING cohort b",
        "WARNING   patients.csv",
        "WARNING cohort a",
        "WARNING   sessions.csv",
    ]


def test_the_last_message_of_a_log_is_its_last_error_with_what_follows(tmp_path):
    log = tmp_path / "rule.log"
    log.write_text(
        "INFO reading patients.csv\nERROR first\nERROR Unexpected error in rule x:\nTraceback (most recent call last):\n"
        '  File "x.py", line 1\nValueError: bad\n',
        encoding="utf-8",
    )
    assert last_message(log) == (
        'ERROR Unexpected error in rule x:\nTraceback (most recent call last):\n  File "x.py", line 1\nValueError: bad'
    )
    (tmp_path / "quiet.log").write_text("INFO all well\n", encoding="utf-8")
    assert last_message(tmp_path / "quiet.log") is None
    assert last_message(tmp_path / "absent.log") is None


def test_the_failure_report_gives_each_failed_job_its_message(tmp_path):
    log = tmp_path / "validate.log"
    log.write_text("INFO patients.csv: read\nERROR Raw export file outcomes.csv does not split\n", encoding="utf-8")
    report = failure_report([("validate_raw_export", [str(log)]), ("render_report", [str(tmp_path / "none.log")])])
    assert report == (
        f"The run stopped.\nRule validate_raw_export failed (log: {log}):\n"
        "ERROR Raw export file outcomes.csv does not split\n\n"
        f"Rule render_report failed without a message of its own (log: {tmp_path / 'none.log'}); see its error above."
    )
    assert failure_report([]) == ""


def test_a_failed_stage_points_to_the_log_of_the_step_that_failed(tmp_path):
    logs = [tmp_path / f"{step}.log" for step in ("table_outcomes", "table_responders", "table_subgroups")]
    logs[0].write_text("INFO done\n", encoding="utf-8")
    logs[1].write_text("INFO reading\nERROR No time point after the baseline\n", encoding="utf-8")
    report = failure_report([("outcome_analysis", [str(log) for log in logs])])
    assert report == (
        f"The run stopped.\nRule outcome_analysis failed (log: {logs[1]}):\nERROR No time point after the baseline"
    )


def snakemake_record(message, exception):
    record = logging.LogRecord("snakemake.logging", logging.ERROR, __file__, 1, message, None, None)
    record.exception = exception
    return record


def test_only_the_report_of_a_script_exit_status_is_left_out():
    script_exit = (
        'RuleException:\nCalledProcessError in file "/p/workflow/rules/validation.smk", line 54:\n'
        "Command 'set -euo pipefail;  /venv/bin/python /p/.snakemake/scripts/tmpab12_x.validate_raw_export.py' "
        "returned non-zero exit status 1."
    )
    assert is_script_exit_report(snakemake_record(script_exit, "RuleException"))
    shell_error = (
        "RuleException:\nCalledProcessError in file x, line 3:\nCommand 'false' returned non-zero exit status 1."
    )
    assert not is_script_exit_report(snakemake_record(shell_error, "RuleException"))
    assert not is_script_exit_report(snakemake_record(script_exit, "WorkflowError"))
    assert not is_script_exit_report(snakemake_record("Error in rule x", None))
