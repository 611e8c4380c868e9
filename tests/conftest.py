"""Shared end-to-end runs of the workflow: each runs once per test session, on first use.

Running Snakemake is what makes the suite slow, so the tests that only read a run's outputs
share one run of the reference cohort instead of each running their own:

- `reference_run` -> Path: the project folder of a finished `snakemake --cores 2` on a copy of
  the project with its own config (the reference cohort, its report, and the comparison).
  READ ONLY: read its files, and run only Snakemake commands that change nothing (a dry
  run, --lint, --report into a temporary folder). Never edit its config or rerun it.
- `second_reference_run` -> Path: a second, independent run of the same, for the
  byte-determinism check.
- `reference_run_copy` -> Path (one per test): a private copy of the finished run, with its
  .snakemake folder, so Snakemake sees it as up to date; a test that changes the config, the
  code or VERSION and reruns takes this (a copy costs well under a second, a run minutes).
  A module-scope fixture makes its own with `workflow_helpers.copy_run(reference_run, dest)`.

Tests with their own cohort or export (a different config from the start) still run their
own, each once per module (module-scope fixtures in their files).

The suite runs on every core (pytest-xdist, `-n auto --dist loadfile` in pytest.ini: a file's
tests, and so its module fixtures, stay on one worker). The session runs are made once for all
workers: the first worker to need one makes it in the workers' shared temporary folder, under a
lock, and the others wait for it and read it.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from workflow_helpers import copy_project, copy_run, snakemake

REFERENCE_COHORT = "reference"  # the cohort of config/config.yaml

# With the development pins installed, pandera's import imports hypothesis, which then runs every
# installed package's plugin hook (a quarter second in each validating job of every Snakemake
# run the tests start). The runs draw no test data: they skip the hooks, by hypothesis' own switch.
os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")


@contextmanager
def _exclusive(lock: Path):
    """Hold an exclusive lock on `lock` (made if absent) while the block runs."""
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _finished_run(tmp_path_factory, name: str) -> Path:
    """A finished run of the default config in `<shared temp>/<name>/project`, made once for all
    workers (`.done` marks it finished; a run that failed leaves no mark and fails each worker)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder every worker's base temp lies in
    folder = shared / name
    folder.mkdir(exist_ok=True)
    workdir = folder / "project"
    with _exclusive(folder / ".lock"):
        if not (folder / ".done").exists():
            if workdir.exists():
                raise RuntimeError(f"an earlier attempt at {workdir} failed; see the first failing test")
            copy_project(workdir)
            snakemake(workdir)
            (folder / ".done").touch()
    return workdir


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory) -> Path:
    return _finished_run(tmp_path_factory, "reference_run")


@pytest.fixture(scope="session")
def second_reference_run(tmp_path_factory) -> Path:
    return _finished_run(tmp_path_factory, "second_reference_run")


@pytest.fixture
def reference_run_copy(reference_run, tmp_path) -> Path:
    return copy_run(reference_run, tmp_path / "project")
