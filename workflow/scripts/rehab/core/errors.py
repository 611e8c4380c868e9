"""Errors the pipeline expects and explains: their message is the whole story, no traceback."""

import errno
import os

from rehab.core.privacy import mask_identifying


class PipelineError(Exception):
    """An expected failure whose message tells the user what is wrong and how to fix it.

    The message is masked as the error is made (`rehab.core.privacy`): it may quote a value or a
    path, and it is printed wherever the error ends up.
    """

    def __init__(self, *args):
        super().__init__(*(mask_identifying(arg) for arg in args))


class RawExportError(PipelineError):
    """A raw export file cannot be read as the input contract (file-level error)."""


class QuarantineLimitError(PipelineError):
    """Too large a share of a file's rows was quarantined to go on safely."""


class DateFormatError(QuarantineLimitError):
    """Too many rows were quarantined because most dates could not be read: the dialect's date
    format is likely not the export's."""


class FileSystemError(PipelineError):
    """A file or folder the pipeline reads or writes is out of reach: the disk is full, a
    permission is missing, the file system is read-only, ..."""


# errno -> (what happened, what to do); the path is named before it.
_FILE_SYSTEM_FAULTS = {
    errno.ENOSPC: (
        "the disk is full (no space left on device)",
        "free some space on it (or move the project to a larger disk) and run again",
    ),
    errno.EDQUOT: ("the disk quota is used up", "free some space in your quota and run again"),
    errno.EROFS: ("the file system is read-only", "run the pipeline from a copy of the project on a writable disk"),
    errno.EACCES: (
        "permission denied",
        "give the user who runs the pipeline permission to read it (an input) or write it (a result), "
        "and to list every folder above it, then run again",
    ),
    errno.EPERM: (
        "operation not permitted",
        "give the user who runs the pipeline permission to read or write it, then run again",
    ),
    errno.ENOENT: ("no such file or folder", "check the path and run again"),
    errno.EISDIR: ("it is a folder where a file is expected", "remove or rename the folder and run again"),
    errno.ENOTDIR: ("a part of the path is a file where a folder is expected", "fix the path and run again"),
}


def os_error_parts(error: OSError) -> tuple[str, str]:
    """(what happened, what to do) for an OSError, in words."""
    return _FILE_SYSTEM_FAULTS.get(
        error.errno,
        (error.strerror or str(error) or type(error).__name__, "check the disk and the path, then run again"),
    )


def file_system_error(error: OSError, path: str | os.PathLike | None = None) -> FileSystemError:
    """The one-line message for an OSError: the path (the one the system names, else `path`;
    masked as every message is), what happened and what to do."""
    where = error.filename if error.filename is not None else path
    where = os.fsdecode(where) if isinstance(where, (str, bytes, os.PathLike)) else "a file"
    what, fix = os_error_parts(error)
    return FileSystemError(f"Cannot use {where}: {what}. To fix: {fix}.")
