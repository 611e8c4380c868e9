"""Errors raised as the workflow starts are masked too (rules/common.smk)."""

import pytest
from workflow_helpers import copy_project, snakemake, write_config

from rehab.core.privacy import REDACTED

pytestmark = pytest.mark.slow
PIN = "19551616-1616"


def test_a_config_error_quoting_an_identity_number_is_masked(tmp_path):
    workdir = copy_project(tmp_path)
    write_config(
        workdir,
        {"reference": {"synthetic": {"seed": 1, "n_patients": 10}}},
        analysis={"quantile_method": f"pnr {PIN}", "responders": {}},
    )
    result = snakemake(workdir, "--dry-run", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "config key analysis.quantile_method" in output
    assert PIN not in output and "195516161616" not in output
    assert REDACTED in output
