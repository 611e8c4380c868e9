"""The common frame of every Snakemake script: logging to the rule's log, clear failures."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

from rehab.core.errors import PipelineError
from rehab.core.privacy import mask_text
from rehab.core.safe_io import checked_path

log = logging.getLogger("rehab")
BENCHMARK = "benchmark"  # a rule's log entry (a stage step's: <step>__benchmark): its benchmark file
LOG_FORMAT = "%(levelname)s %(message)s"


class MaskingFormatter(logging.Formatter):
    """Masks the whole formatted record: message, arguments, traceback and stack text."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


def _below_error(record: logging.LogRecord) -> bool:
    return record.levelno < logging.ERROR


def masking_handlers(log_path: str | None) -> list[logging.Handler]:
    """stderr and, when given, the rule's log file, each formatting through MaskingFormatter.

    With a log file, an error goes to the log only: the run's end prints it from there, once,
    after Snakemake's report of the failed job (Snakefile `onerror:`, rehab.workflow.run_messages).
    """
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers[0].addFilter(_below_error)
        handlers.append(logging.FileHandler(checked_path(log_path), mode="w", encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(MaskingFormatter(LOG_FORMAT))
    return handlers


def run(snakemake: Any, main: Callable[[Any], None]) -> None:
    """Run `main(snakemake)`, logging to the rule's log file.

    An expected error (PipelineError) ends the job with its message only, in the log (on
    stderr when there is no log); anything else keeps its traceback in the log for the
    developer. The Snakefile's `onerror:` prints the log's last message at the run's end.
    """
    log_path = snakemake.log[0] if len(snakemake.log) else None
    logging.basicConfig(level=logging.INFO, handlers=masking_handlers(log_path), force=True)
    note_worker()
    try:
        main(snakemake)
    except PipelineError as error:
        log.error("%s", error)
        sys.exit(1)
    except Exception:  # noqa: BLE001 - unexpected: keep the traceback in the log
        log.error("Unexpected error in rule %s:\n%s", snakemake.rule, traceback.format_exc())
        sys.exit(1)
    write_job_benchmark(snakemake)
    end_job_process(snakemake)


def note_worker() -> None:
    """In a job server's worker, say so in the job's log (rehab.workflow.job_server)."""
    from rehab.workflow.job_server import WORKER_NOTE, in_worker

    if in_worker():
        log.info(WORKER_NOTE)


def write_job_benchmark(snakemake: Any) -> None:
    """The whole job's benchmark (rehab.workflow.job_benchmark), to the rule's log entry `benchmark`
    when it has one."""
    logs = getattr(snakemake, "log", None)
    path = dict(logs.items()).get(BENCHMARK) if logs is not None and hasattr(logs, "items") else None
    if path:
        from rehab.workflow.job_benchmark import job_record, write_benchmark

        write_benchmark(job_record(), path)


# Called with the exit status just before a job's process ends: a job server's worker
# (rehab.workflow.job_server) sends the status to the job's own process.
before_exit: Callable[[int], None] | None = None


def is_job_process(snakemake: Any) -> bool:
    """Whether this is the process of `snakemake`'s job (its script's global `snakemake`),
    not a test or a caller that runs the job's function in a process of its own."""
    return getattr(sys.modules.get("__main__"), "snakemake", None) is snakemake


def end_job_process(snakemake: Any, status: int = 0) -> None:
    """End a finished Snakemake job's process at once, without the interpreter's teardown.

    Tearing down pandas, pyarrow, matplotlib and statsmodels takes 0.2-0.4 s per process,
    a tenth of a small run, and does nothing for the results: every file is written and
    closed by rehab.core.safe_io before this point. Only the process Snakemake started for this
    job ends (its script's global `snakemake` is this object); a test that calls run() goes on.
    """
    if not is_job_process(snakemake):
        return
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    if before_exit is not None:
        before_exit(status)
    os._exit(status)
