"""What the run says at its end: the validation summary per cohort, the failed jobs' own
messages, found by the logs of this run that hold an error (rehab.workflow.run_messages)."""

from __future__ import annotations

import os

from rehab.workflow.run_messages import (
    failed_jobs,
    failure_report,
    last_message,
    run_summary,
    validation_summary,
    where_to_look,
    writer_line,
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


def test_the_failed_jobs_are_the_logs_of_this_run_with_an_error(tmp_path):
    logs = tmp_path / "clinic" / "logs"
    logs.mkdir(parents=True)
    (logs / "clean_tables.log").write_text("INFO rule clean_tables\nINFO all well\n", encoding="utf-8")
    (logs / "table_subgroups.log").write_text(
        "INFO rule outcome_analysis, step table_subgroups\nERROR No time point after the baseline\n", encoding="utf-8"
    )
    old = logs / "validate_raw_export.log"
    old.write_text("INFO rule validate_raw_export\nERROR from an earlier run\n", encoding="utf-8")
    os.utime(old, (1_000_000, 1_000_000))
    comparison = tmp_path / "comparison" / "a+b" / "logs"
    comparison.mkdir(parents=True)
    (comparison / "compare_cohorts.log").write_text("ERROR no header line\n", encoding="utf-8")
    failed = failed_jobs(tmp_path, since=2_000_000)
    assert sorted(failed) == [
        ("compare_cohorts", [str(comparison / "compare_cohorts.log")], "a+b"),
        ("outcome_analysis", [str(logs / "table_subgroups.log")], "clinic"),
    ]
    assert failed_jobs(tmp_path / "absent", since=0) == []


def test_the_first_line_of_a_log_names_its_rule_and_step():
    assert writer_line("clean_tables") == "rule clean_tables"
    assert writer_line("outcome_analysis", "table_subgroups") == "rule outcome_analysis, step table_subgroups"


def _touch(path, mtime):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x", encoding="utf-8")
    os.utime(path, (mtime, mtime))


def test_a_successful_run_says_where_each_cohorts_report_is(tmp_path):
    for cohort in ("reference", "clinic"):
        _touch(tmp_path / cohort / "logs" / "render_report.log", 100)
        _touch(tmp_path / cohort / "report.html", 101)
    assert where_to_look(["reference", "clinic"], tmp_path, since=50).splitlines() == [
        f"report: {tmp_path / 'reference' / 'report.html'} (Word tables: {tmp_path / 'reference' / 'tables.docx'})",
        f"report: {tmp_path / 'clinic' / 'report.html'} (Word tables: {tmp_path / 'clinic' / 'tables.docx'})",
    ]


def test_after_a_failure_it_says_which_cohorts_finished_and_which_stopped(tmp_path):
    _touch(tmp_path / "done" / "logs" / "clean_tables.log", 100)
    _touch(tmp_path / "done" / "report.html", 120)  # made after its jobs of this run
    _touch(tmp_path / "uptodate" / "report.html", 10)  # nothing of it ran in this run
    _touch(tmp_path / "broken" / "logs" / "clean_tables.log", 100)
    _touch(tmp_path / "cut" / "report.html", 10)  # an old report; a job of this run came after it
    _touch(tmp_path / "cut" / "logs" / "frequency_tables.log", 110)
    lines = where_to_look(["done", "uptodate", "broken", "cut", "never"], tmp_path, since=50, failed=["broken"])
    assert lines.splitlines() == [
        f"cohort done finished: report: {tmp_path / 'done' / 'report.html'} (Word tables: {tmp_path / 'done' / 'tables.docx'})",
        f"cohort uptodate finished: report: {tmp_path / 'uptodate' / 'report.html'} "
        f"(Word tables: {tmp_path / 'uptodate' / 'tables.docx'})",
        "cohort broken stopped: a job failed (its message follows)",
        "cohort cut did not finish: the run stopped before its report",
        "cohort never did not finish: the run stopped before its report",
    ]
