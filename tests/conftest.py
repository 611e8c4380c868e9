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
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from workflow_helpers import copy_project, copy_run, snakemake

REFERENCE_COHORT = "reference"  # the cohort of config/config.yaml

# With the development pins installed, pandera's import imports hypothesis, which then runs every
# installed package's plugin hook (a quarter second in each validating job of every Snakemake
# run the tests start). The runs draw no test data: they skip the hooks, by hypothesis' own switch.
os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")


def _finished_run(workdir: Path) -> Path:
    copy_project(workdir)
    snakemake(workdir)
    return workdir


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory) -> Path:
    return _finished_run(tmp_path_factory.mktemp("reference_run") / "project")


@pytest.fixture(scope="session")
def second_reference_run(tmp_path_factory) -> Path:
    return _finished_run(tmp_path_factory.mktemp("second_reference_run") / "project")


@pytest.fixture
def reference_run_copy(reference_run, tmp_path) -> Path:
    return copy_run(reference_run, tmp_path / "project")
