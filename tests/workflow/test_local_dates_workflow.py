"""A whole run on an export whose dates are written `2019/01/14`: it stops without the declared
date format, naming the column and the key, and with it gives the numbers of its ISO twin."""

from __future__ import annotations

import re

import pandas as pd
import pytest

ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


@pytest.mark.slow
def test_a_slashed_export_runs_with_its_date_format_and_stops_without_it(tmp_path):
    from export_helpers import synthetic_export
    from workflow_helpers import copy_project, snakemake, write_config

    seed, n_patients = 11, 40
    paths, export = synthetic_export(tmp_path / "source", n_patients, seed), tmp_path / "export"
    export.mkdir()
    for name, path in paths.items():
        (export / f"{name}.csv").write_text(ISO.sub(r"\1/\2/\3", path.read_text(encoding="utf-8")), encoding="utf-8")
    workdir = copy_project(tmp_path / "project")

    write_config(workdir, {"slashes": {"export": {"path": str(export)}}})
    result = snakemake(workdir, "--until", "clean_tables", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "program_start_date" in output and "cohorts.slashes.export.dialect.date_format" in output
    assert "Traceback" not in output
    assert not (workdir / "results" / "slashes" / "clean").exists()

    write_config(
        workdir,
        {
            "generated": {"synthetic": {"seed": seed, "n_patients": n_patients}},
            "slashes": {"export": {"path": str(export), "dialect": {"date_format": "%Y/%m/%d"}}},
        },
    )
    snakemake(workdir, "results/generated/numbers.csv", "results/slashes/numbers.csv")  # what is compared
    accounting = pd.read_csv(workdir / "results" / "slashes" / "validation" / "accounting.csv")
    assert (accounting["rows_quarantined"] == 0).all() and (accounting["values_set_missing"] == 0).all()
    clean = pd.read_parquet(workdir / "results" / "slashes" / "clean" / "patients.parquet")
    assert clean["program_start_date"].dtype == "datetime64[ns]"
    numbers = {
        cohort: pd.read_csv(workdir / "results" / cohort / "numbers.csv", dtype=str).set_index("key")["value"]
        for cohort in ("generated", "slashes")
    }
    pd.testing.assert_series_equal(numbers["generated"], numbers["slashes"], check_names=False)
