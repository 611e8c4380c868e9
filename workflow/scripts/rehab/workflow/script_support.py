"""The common frame of every Snakemake script: logging to the rule's log, clear failures."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any

from rehab.core.errors import PipelineError
from rehab.core.privacy import mask_text
from rehab.core.safe_io import checked_path
from rehab.workflow.run_messages import writer_line

log = logging.getLogger("rehab")
LOG_FORMAT = "%(levelname)s %(message)s"


class MaskingFormatter(logging.Formatter):
    """Masks the whole formatted record: message, arguments, traceback and stack text."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


class TerminalHandler(logging.StreamHandler):
    """A job's stderr when it also has a log file: lines below ERROR (an error is printed once,
    from the log, at the run's end) and not meant for the log only (its first line naming the
    rule). A handler of the job's own `rehab` logger; Snakemake's logger is not touched."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.ERROR and not getattr(record, "log_only", False):
            super().emit(record)


def masking_handlers(log_path: str | None) -> list[logging.Handler]:
    """stderr and, when given, the rule's log file, each formatting through MaskingFormatter.

    With a log file, an error goes to the log only: the run's end prints it from there, once,
    after Snakemake's report of the failed job (Snakefile `onerror:`, rehab.workflow.run_messages).
    """
    handlers: list[logging.Handler] = [(TerminalHandler if log_path else logging.StreamHandler)(sys.stderr)]
    if log_path:
        handlers.append(logging.FileHandler(checked_path(log_path), mode="w", encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(MaskingFormatter(LOG_FORMAT))
    return handlers


def start_log(log_path: str | None, rule: str, step: str | None = None) -> None:
    """Send this process's logging to `log_path` (and stderr), the log's first line naming the
    rule (and step) that writes it."""
    logging.basicConfig(level=logging.INFO, handlers=masking_handlers(log_path), force=True)
    log.info("%s", writer_line(rule, step), extra={"log_only": bool(log_path)})


def run_logged(function: Callable[[], None], rule: str, step: str | None = None) -> None:
    """Run `function`; a failure ends the process with status 1 after logging the project's
    message (PipelineError) or, for anything unexpected, the traceback for the developer. The
    Snakefile's `onerror:` prints the log's last message at the run's end."""
    try:
        function()
    except PipelineError as error:
        log.error("%s", error)
        sys.exit(1)
    except Exception:  # noqa: BLE001 - unexpected: keep the traceback in the log
        log.error("Unexpected error in %s:\n%s", writer_line(rule, step), traceback.format_exc())
        sys.exit(1)


def run(snakemake: Any, main: Callable[[Any], None]) -> None:
    """Run `main(snakemake)`, logging to the rule's log file (its first `log:` entry)."""
    start_log(snakemake.log[0] if len(snakemake.log) else None, snakemake.rule)
    run_logged(lambda: main(snakemake), snakemake.rule)
