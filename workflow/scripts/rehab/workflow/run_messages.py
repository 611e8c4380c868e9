"""What the run says at its end (the Snakefile's `onsuccess:` and `onerror:` handlers).

- A WARNING summary per cohort of the rows quarantined and values set missing per raw file,
  read from the cohort's `validation/accounting.csv`, with the path to its `failures.csv`:
  a defect must not hide in a rule's log.
- For a failed job, the last message of its rule log (the project's own message, already
  masked when it was logged), so that the run ends with it rather than with Snakemake's
  report of the script's exit status.

Read at every workflow start: standard library only (csv, no pandas).
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable
from pathlib import Path

# Each line starts with the level, as the rules' own log lines do (rehab.workflow.script_support).
WARNING = "WARNING"
ERROR_LINE = "ERROR "

# Snakemake's report that a `script:` subprocess exited with an error status: it carries no
# more than the rule's log (the message, or the traceback of an unexpected error).
_SCRIPT_EXIT = re.compile(r"CalledProcessError.*\.snakemake[/\\]scripts[/\\]tmp\S*\.py", re.S)


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


def is_script_exit_report(record: logging.LogRecord) -> bool:
    """Whether a Snakemake log record only reports that a rule's script exited with an error
    status (`RuleException: CalledProcessError … .snakemake/scripts/tmp….py`): the script
    has logged the reason to the rule log, which the run's end prints."""
    return getattr(record, "exception", None) == "RuleException" and bool(_SCRIPT_EXIT.search(str(record.msg)))


class ScriptExitFilter(logging.Filter):
    """Drops `is_script_exit_report` records from Snakemake's logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not is_script_exit_report(record)
