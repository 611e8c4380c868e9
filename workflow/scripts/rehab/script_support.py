"""The common frame of every Snakemake script: logging to the rule's log, clear failures."""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any, Callable

from rehab.errors import PipelineError

log = logging.getLogger("rehab")


def run(snakemake: Any, main: Callable[[Any], None]) -> None:
    """Run `main(snakemake)`, logging to the rule's log file.

    An expected error (PipelineError) ends the job with its message only, in the log and on
    stderr; anything else keeps its traceback in the log for the developer.
    """
    log_path = snakemake.log[0] if len(snakemake.log) else None
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    logging.basicConfig(level=logging.INFO, handlers=handlers, format="%(levelname)s %(message)s", force=True)
    try:
        main(snakemake)
    except PipelineError as error:
        log.error("%s", error)
        sys.exit(1)
    except Exception:  # noqa: BLE001 - unexpected: keep the traceback in the log
        log.error("Unexpected error in rule %s:\n%s", snakemake.rule, traceback.format_exc())
        sys.exit(1)
