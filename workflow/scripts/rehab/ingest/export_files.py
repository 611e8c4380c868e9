"""What the workflow checks about a raw export before any job runs, without the data stack.

The Snakefile imports this module to build the DAG (a missing export file stops the run at
once); the reader (`rehab.ingest.reader`) uses the same check and default. Standard library only, so
a dry run or a no-op rerun does not pay for importing numpy, pandas or pyarrow.
"""

from __future__ import annotations

import os
from pathlib import Path

from rehab.core.errors import RawExportError, os_error_parts

# A quoted value may span lines (a note with a newline); a record over more is a stray quote.
DEFAULT_MAX_RECORD_LINES = 20


def check_file_present(path: str | Path, cohort: str | None = None) -> None:
    """Raise the file-level error for a raw export file that is not there, or that the user
    running the pipeline may not read (its folder may not be listed, or itself not read)."""
    path = Path(path)
    try:
        present = path.is_file()
    except OSError as error:  # a folder on the way that may not be listed
        raise unreadable_file_error(error, path) from None
    if not present:
        raise RawExportError(
            f"Raw export file {path} is missing (or is not a file). The export folder must hold "
            "patients.csv, sessions.csv and outcomes.csv, or the sources that "
            f"cohorts.{cohort or '<cohort>'}.export.files names (a cohort without a visit file sets "
            f"cohorts.{cohort or '<cohort>'}.export.visits: false): put the file there or fix "
            f"cohorts.{cohort or '<cohort>'}.export.path in the config."
        )
    if not os.access(path, os.R_OK):
        raise unreadable_file_error(PermissionError(13, "Permission denied", str(path)), path)


def unreadable_file_error(error: OSError, path: str | Path) -> RawExportError:
    """The file-level error for a raw export file that cannot be read."""
    what, fix = os_error_parts(error)
    if isinstance(error, PermissionError):
        fix = "give the user who runs the pipeline permission to read the file and to list every folder above it"
    return RawExportError(f"Raw export file {path} cannot be read: {what}. To fix: {fix}, then run again.")
