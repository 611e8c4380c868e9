"""A file-system fault met while writing is one line naming the path and the fix (rehab.core.safe_io,
rehab.core.errors): a full disk, a permission, a read-only disk; never a traceback."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from rehab.core import safe_io
from rehab.core.errors import PipelineError
from rehab.workflow.script_support import run

DISK_FULL = "/dev/full"  # every write to it fails with ENOSPC, as on a full disk
needs_a_full_disk = pytest.mark.skipif(not os.path.exists(DISK_FULL), reason="needs /dev/full")


@needs_a_full_disk
@pytest.mark.parametrize(
    "write",
    [
        lambda path: safe_io.write_csv(pd.DataFrame({"a": ["x" * 100_000]}), path),
        lambda path: safe_io.write_text("x" * 100_000, path),
        lambda path: safe_io.write_parquet(pd.DataFrame({"a": ["x"] * 1000}), path),
        lambda path: safe_io.write_json({"a": "x" * 100_000}, path),
        lambda path: safe_io.write_workbook({"patients": pd.DataFrame({"a": ["x" * 1000] * 100})}, path),
        lambda path: safe_io.write_spss(pd.DataFrame({"a": ["x" * 100] * 1000}), path),
    ],
    ids=["csv", "text", "parquet", "json", "xlsx", "sav"],
)
def test_a_full_disk_is_one_line_naming_the_file_and_the_fix(tmp_path, write):
    target = tmp_path / "table.out"
    target.symlink_to(DISK_FULL)
    with pytest.raises(PipelineError) as raised:
        write(target)
    assert str(raised.value) == (
        f"Cannot use {target}: the disk is full (no space left on device). To fix: free some space on it "
        "(or move the project to a larger disk) and run again."
    )


@pytest.mark.parametrize(
    "error, words",
    [
        (PermissionError(errno.EACCES, "Permission denied"), "permission denied. To fix: give the user"),
        (OSError(errno.EROFS, "Read-only file system"), "the file system is read-only. To fix: run the pipeline"),
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
    ],
    ids=["permission", "read-only", "full"],
)
def test_a_folder_that_cannot_be_made_is_one_line_naming_it(tmp_path, monkeypatch, error, words):
    def refuse(self, *args, **kwargs):
        error.filename = str(self)
        raise error

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(PipelineError) as raised:
        safe_io.write_text("x", tmp_path / "results" / "clinic" / "t.txt")
    message = str(raised.value)
    assert message.startswith(f"Cannot use {tmp_path / 'results' / 'clinic'}: {words}") and "\n" not in message


@needs_a_full_disk
def test_a_job_that_meets_a_full_disk_ends_with_one_line_in_its_log(tmp_path):
    (tmp_path / "failures.csv").symlink_to(DISK_FULL)

    def main(_):
        safe_io.write_csv(pd.DataFrame({"a": ["x" * 100_000]}), tmp_path / "failures.csv")

    with pytest.raises(SystemExit):
        run(SimpleNamespace(log=[str(tmp_path / "rule.log")], rule="demo"), main)
    logged = (tmp_path / "rule.log").read_text(encoding="utf-8")
    logging.getLogger().handlers.clear()
    expected = (
        "INFO rule demo\n"  # the log's first line names its rule
        f"ERROR Cannot use {tmp_path / 'failures.csv'}: the disk is full (no space left on device). "
        "To fix: free some space on it (or move the project to a larger disk) and run again.\n"
    )
    assert logged == expected
