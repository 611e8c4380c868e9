"""What the run says at its end (the Snakefile's `onsuccess:` and `onerror:` handlers).

- A WARNING summary per cohort of the rows quarantined and values set missing per raw file,
  read from the cohort's `validation/accounting.csv`, with the path to its `failures.csv`:
  a defect must not hide in a rule's log.
- For a failed job, the last message of its rule log (the project's own message, already
  masked when it was logged), so that the run ends with it. The failed jobs are found by
  their logs alone: a rule (or step) log written during this run that holds an ERROR record
  (only the job frame writes one, when its job fails). Its first line names the rule and step
  (`writer_line`).

- Where to look: one line per cohort, `report: results/<cohort>/report.html` with its Word
  tables, at the end of a successful run; after a failure (with `--keep-going` the other
  cohorts go on), which cohorts finished, which stopped at a failed job, and which the run
  left unfinished (`cohort_states`, read from the files of this run alone).

Read at every workflow start: standard library only (csv, no pandas).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

# Each line starts with the level, as the rules' own log lines do (rehab.workflow.script_support).
WARNING = "WARNING"
ERROR_LINE = "ERROR "


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def validation_summary(cohort: str, results_dir: str | Path = "results") -> list[str]:
    """WARNING lines for the cohort's rows quarantined and values set missing, one per raw file
    concerned, after a line naming the cohort and its failures.csv; none when there is nothing
    to report or no accounting yet."""
    folder = Path(results_dir) / cohort / "validation"
    accounting = folder / "accounting.csv"
    if not accounting.is_file():
        return []
    with accounting.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    defects = [
        f"{WARNING}   {row['file']}.csv: {int(row['rows_quarantined'])} of {_plural(int(row['rows_read']), 'row')} "
        f"quarantined, {_plural(int(row['values_set_missing']), 'value')} set missing"
        for row in rows
        if int(row["rows_quarantined"]) or int(row["values_set_missing"])
    ]
    if not defects:
        return []
    heading = (
        f"{WARNING} cohort {cohort}: the validation quarantined rows or set values missing; "
        f"every failure (file, line, column, check, action) is in {folder / 'failures.csv'}"
    )
    return [heading, *defects]


def run_summary(cohorts: Iterable[str], results_dir: str | Path = "results") -> str:
    """The validation summaries of `cohorts`, one block of lines; empty when all are clean."""
    return "\n".join(line for cohort in cohorts for line in validation_summary(cohort, results_dir))


def last_message(log_path: str | Path) -> str | None:
    """The last ERROR record of a rule log (with the traceback lines after it, if any);
    None when the log is absent or holds no ERROR record."""
    path = Path(log_path)
    if not path.is_file():
        return None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    starts = [index for index, line in enumerate(lines) if line.startswith(ERROR_LINE)]
    if not starts:
        return None
    return "\n".join(lines[starts[-1] :]).rstrip()


def writer_line(rule: str, step: str | None = None) -> str:
    """`rule clean_tables` or `rule outcome_analysis, step table_subgroups`: the first line of a
    rule's or step's log (rehab.workflow.script_support), read back by `failed_jobs`."""
    return f"rule {rule}" + (f", step {step}" if step else "")


WRITER = re.compile(r"^INFO rule (?P<rule>\S+?)(?:, step (?P<step>\S+))?$")


def failed_jobs(results_dir: str | Path, since: float) -> list[tuple[str, list[str], str]]:
    """(rule, [log], cohort) of every rule or step log under `results_dir` written at or after
    `since` (a time.time()) that holds an ERROR record, oldest first. The rule is read from the
    log's first line (`writer_line`), else the log's name stands for it; the cohort is the
    folder above `logs/`."""
    logs = [
        path
        for path in Path(results_dir).glob("**/logs/*.log")
        if path.is_file() and path.stat().st_mtime >= since and last_message(path) is not None
    ]
    failed = []
    for path in sorted(logs, key=lambda path: (path.stat().st_mtime, str(path))):
        with path.open(encoding="utf-8", errors="replace") as handle:
            match = WRITER.match(handle.readline().rstrip("\n"))
        failed.append((match["rule"] if match else path.stem, [str(path)], path.parent.parent.name))
    return failed


def failure_report(failed: Iterable[tuple[str, Iterable[str]]]) -> str:
    """For each failed job (rule name, its log paths), the last message of its log, at the
    end of the run, naming the logs that hold a message (a stage rule has a log per step:
    the failed step's); empty when no job failed."""
    blocks = []
    for rule, logs in failed:
        logs = [str(log) for log in logs]
        found = {log: message for log in logs if (message := last_message(log))}
        where = ", ".join(found or logs) or "no log"  # a stage's job: the log of the step that failed
        if found:
            blocks.append(f"Rule {rule} failed (log: {where}):\n" + "\n".join(found.values()))
        else:
            blocks.append(f"Rule {rule} failed without a message of its own (log: {where}); see its error above.")
    if not blocks:
        return ""
    return "The run stopped.\n" + "\n\n".join(blocks)


# ---------------------------------------------------------------- where to look

REPORT = "report.html"
WORD_TABLES = "tables.docx"
FINISHED, FAILED, UNFINISHED = "finished", "failed", "unfinished"


def report_line(cohort: str, results_dir: str | Path = "results") -> str:
    """`report: results/<cohort>/report.html (Word tables: results/<cohort>/tables.docx)`."""
    folder = Path(results_dir) / cohort
    return f"report: {folder / REPORT} (Word tables: {folder / WORD_TABLES})"


def cohort_state(cohort: str, results_dir: str | Path, since: float, failed: bool) -> str:
    """FAILED when a job of the cohort failed; FINISHED when its report exists and is no older
    than any log of the cohort written since `since` (its report was made after every job of
    this run, or nothing of it had to run); else UNFINISHED (the run stopped first)."""
    if failed:
        return FAILED
    folder = Path(results_dir) / cohort
    report = folder / REPORT
    if not report.is_file():
        return UNFINISHED
    logs = [path.stat().st_mtime for path in (folder / "logs").glob("*.log") if path.stat().st_mtime >= since]
    return FINISHED if not logs or report.stat().st_mtime >= max(logs) else UNFINISHED


def where_to_look(
    cohorts: Iterable[str], results_dir: str | Path = "results", since: float = 0.0, failed: Iterable[str] = ()
) -> str:
    """After a successful run (`failed` empty and every report current): a report line per
    cohort. After a failure: a line per cohort saying whether it finished (with its report
    line), stopped at a failed job, or was left unfinished when the run stopped."""
    failed = set(failed)
    states = {cohort: cohort_state(cohort, results_dir, since, cohort in failed) for cohort in cohorts}
    if all(state == FINISHED for state in states.values()) and not failed:
        return "\n".join(report_line(cohort, results_dir) for cohort in states)
    lines = []
    for cohort, state in states.items():
        if state == FINISHED:
            lines.append(f"cohort {cohort} finished: {report_line(cohort, results_dir)}")
        elif state == FAILED:
            lines.append(f"cohort {cohort} stopped: a job failed (its message follows)")
        else:
            lines.append(f"cohort {cohort} did not finish: the run stopped before its report")
    return "\n".join(lines)
