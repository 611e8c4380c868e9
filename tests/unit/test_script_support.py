"""A job's logging (rehab.workflow.script_support): with a log file, errors and log-only lines
go to the log alone (the run's end prints the error once, from there); everything is masked."""

from __future__ import annotations

import logging

from rehab.workflow.script_support import masking_handlers


def emit_through(handlers, level, message, **extra):
    record = logging.LogRecord("rehab", level, __file__, 1, message, None, None)
    record.__dict__.update(extra)
    for handler in handlers:
        handler.handle(record)
        handler.flush()


def test_with_a_log_an_error_and_a_log_only_line_stay_off_the_terminal(tmp_path, capsys):
    handlers = masking_handlers(str(tmp_path / "step.log"))
    emit_through(handlers, logging.INFO, "INFO rule x, step y", log_only=True)
    emit_through(handlers, logging.INFO, "wrote 3 rows")
    emit_through(handlers, logging.WARNING, "a value set missing")
    emit_through(handlers, logging.ERROR, "the file cannot be read")
    for handler in handlers:
        handler.close()
    terminal = capsys.readouterr().err
    log = (tmp_path / "step.log").read_text(encoding="utf-8")
    assert "wrote 3 rows" in terminal and "a value set missing" in terminal
    assert "rule x, step y" not in terminal and "cannot be read" not in terminal
    for line in ("rule x, step y", "wrote 3 rows", "a value set missing", "the file cannot be read"):
        assert line in log


def test_without_a_log_the_terminal_gets_everything_masked(capsys):
    handlers = masking_handlers(None)
    emit_through(handlers, logging.ERROR, "patient 19570202-8888 cannot be read")
    err = capsys.readouterr().err
    assert "cannot be read" in err and "19570202-8888" not in err
