"""Errors the pipeline expects and explains: their message is the whole story, no traceback."""


class PipelineError(Exception):
    """An expected failure whose message tells the user what is wrong and how to fix it."""


class RawExportError(PipelineError):
    """A raw export file cannot be read as the input contract (file-level error)."""


class QuarantineLimitError(PipelineError):
    """Too large a share of a file's rows was quarantined to go on safely."""
