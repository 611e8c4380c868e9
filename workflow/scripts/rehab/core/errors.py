"""Errors the pipeline expects and explains: their message is the whole story, no traceback."""

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
