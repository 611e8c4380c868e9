"""The workflow end to end, in temporary directories: two cohorts, determinism, reruns."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from workflow_helpers import ROOT, copy_project, jobs_to_run, snakemake, write_config

pytestmark = pytest.mark.slow

COHORTS = {
    "small": {"synthetic": {"seed": 7, "n_patients": 60}},
    "second": {"synthetic": {"seed": 8, "n_patients": 35}},
}
RESPONDER_RULES = {"table_responders", "table_subgroups"}
COMPARISON = "small+second"  # the default name of the comparison: the cohorts compared


def fresh_run(workdir: Path) -> Path:
    copy_project(workdir)
    write_config(workdir, COHORTS)
    snakemake(workdir)
    return workdir


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    return fresh_run(tmp_path_factory.mktemp("first"))


@pytest.fixture(scope="module")
def second_run(tmp_path_factory):
    return fresh_run(tmp_path_factory.mktemp("second"))


def test_each_cohort_gets_its_outputs_and_the_comparison(first_run):
    for cohort in COHORTS:
        folder = first_run / "results" / cohort
        for relative in [
            "validation/accounting.csv",
            "validation/failures.csv",
            "validation/quarantine/patients.csv",
            "validation/quarantine/sessions.csv",
            "validation/quarantine/outcomes.csv",
            "clean/patients.parquet",
            "clean/sessions.parquet",
            "clean/session_interventions.parquet",
            "clean/outcomes.parquet",
            "numbers.csv",
            "reproduction.csv",
            "report.html",
        ]:
            assert (folder / relative).is_file(), relative
        assert list((folder / "tables").glob("*.csv"))
        assert list((folder / "figures").glob("*.png")) and list((folder / "figures").glob("*.svg"))
        accounting = pd.read_csv(folder / "validation" / "accounting.csv")
        assert (accounting["rows_read"] == accounting["rows_kept"] + accounting["rows_quarantined"]).all()
        numbers = pd.read_csv(folder / "numbers.csv", keep_default_na=False).set_index("key")["value"]
        assert int(float(numbers["flow.patients"])) == COHORTS[cohort]["synthetic"]["n_patients"]
    comparison = pd.read_csv(first_run / "results" / "comparison" / COMPARISON / "comparison.csv")
    assert list(comparison.columns) == ["measure", *COHORTS]
    assert (first_run / "results" / "comparison" / COMPARISON / "report.html").is_file()


def _comparable_files(workdir: Path) -> dict[str, Path]:
    results = workdir / "results"
    skip = {"logs", "benchmarks"}
    return {
        str(path.relative_to(results)): path
        for path in sorted(results.rglob("*"))
        if path.is_file() and not skip & set(path.relative_to(results).parts)
    }


TIMESTAMP = re.compile(r'<time class="run-timestamp"[^>]*>.*?</time>', re.S)


def test_two_clean_runs_give_the_same_bytes(first_run, second_run):
    first, second = _comparable_files(first_run), _comparable_files(second_run)
    assert first.keys() == second.keys()
    for name, path in first.items():
        if name.endswith("provenance.json"):
            one, two = (json.loads(p.read_text(encoding="utf-8")) for p in (path, second[name]))
            one.pop("run_timestamp", None), two.pop("run_timestamp", None)
            assert one == two, name
        elif name.endswith("report.html") and not name.startswith("comparison/"):
            one, two = (TIMESTAMP.sub("", p.read_text(encoding="utf-8")) for p in (path, second[name]))
            assert TIMESTAMP.search(path.read_text(encoding="utf-8")), "the report states its run timestamp"
            assert one == two, name
        else:
            assert path.read_bytes() == second[name].read_bytes(), name


def test_two_configs_write_two_comparison_folders(first_run):
    comparisons = first_run / "results" / "comparison"
    before = (comparisons / COMPARISON / "comparison.csv").read_bytes()
    added = [comparisons / "small", comparisons / "trial"]
    try:
        # only the comparison: a full run would remake provenance.json (it records the config)
        snakemake(first_run, "compare_cohorts", "--config", "active_cohorts=[small]")
        snakemake(first_run, "compare_cohorts", "--config", "comparison_name=trial")
        assert {path.name for path in comparisons.iterdir()} == {COMPARISON, "small", "trial"}
        assert list(pd.read_csv(comparisons / "small" / "comparison.csv").columns) == ["measure", "small"]
        assert (comparisons / "trial" / "comparison.csv").read_bytes() == before
        assert (comparisons / COMPARISON / "comparison.csv").read_bytes() == before, "not overwritten"
        report = (comparisons / "trial" / "report.html").read_text(encoding="utf-8")
        assert "comparison <code>trial</code>" in report
    finally:  # the other tests compare this run's files
        for folder in added:
            shutil.rmtree(folder, ignore_errors=True)


def test_provenance_names_the_command_that_ran(first_run):
    provenance = json.loads((first_run / "results" / "small" / "provenance.json").read_text(encoding="utf-8"))
    assert "snakemake" in provenance["command_line"] and "--cores 2" in provenance["command_line"]


def test_nothing_changed_reruns_nothing(first_run):
    assert jobs_to_run(first_run) == {}


def test_snakemake_report_packs_the_reviewed_outputs(first_run, tmp_path):
    archive = tmp_path / "report.zip"
    snakemake(first_run, "--report", str(archive))
    names = zipfile.ZipFile(archive).namelist()
    for expected in ("report.html", "table2_baseline.csv", "reproduction.csv", "patient_flow.svg", "provenance.json"):
        assert any(name.endswith(expected) for name in names), expected


def test_lint_is_clean(first_run):
    result = snakemake(first_run, "--lint")
    assert "Congratulations" in result.stdout + result.stderr, result.stdout + result.stderr


def test_slurm_profile_passes_a_dry_run(first_run):
    result = snakemake(first_run, "--workflow-profile", "profiles/slurm", "--dry-run", "--forceall")
    assert "validate_raw_export" in result.stdout + result.stderr


def test_a_threshold_change_reruns_only_what_uses_it(first_run):
    before = pd.read_csv(first_run / "results" / "small" / "numbers.csv", keep_default_na=False).set_index("key")[
        "value"
    ]
    config_path = first_run / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["study"]["instruments"]["nprs"]["responders"][0]["absolute"] = 4
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    planned = jobs_to_run(first_run)
    assert RESPONDER_RULES <= set(planned)
    upstream = {
        "generate_synthetic_cohort",
        "validate_raw_export",
        "clean_tables",
        "table_baseline",
        "table_interventions",
        "table_outcomes",
    }
    assert not upstream & set(planned), planned

    snakemake(first_run)
    after = pd.read_csv(first_run / "results" / "small" / "numbers.csv", keep_default_na=False).set_index("key")[
        "value"
    ]
    baseline_keys = [key for key in before.index if key.startswith(("baseline.", "flow.", "interventions."))]
    assert (before[baseline_keys] == after[baseline_keys]).all()
    key = "responders.nprs.discharge.n_responders"
    assert float(after[key]) < float(before[key])
    assert before["responders.dri.discharge.n_responders"] == after["responders.dri.discharge.n_responders"]


def test_the_pipeline_version_is_recorded_and_a_new_version_reruns_only_the_provenance_and_report(first_run):
    version_file = first_run / "VERSION"
    provenance = json.loads((first_run / "results" / "small" / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["version"] == version_file.read_text(encoding="utf-8").strip()
    report = (first_run / "results" / "small" / "report.html").read_text(encoding="utf-8")
    assert f"<dt>Pipeline version</dt><dd><code>{provenance['version']}</code></dd>" in report

    version_file.write_text("99.0.0\n", encoding="utf-8")
    planned = set(jobs_to_run(first_run))
    assert {"provenance", "render_report"} <= planned
    assert planned <= {"provenance", "render_report", "all"}, planned


def _export(path, **dialect):
    return {"clinic": {"export": {"path": path, "dialect": dialect}}}


@pytest.mark.parametrize(
    "cohorts, top_level, expected",
    [
        (COHORTS, {"analysis": {"quantile_method": "spss", "responders": {}}}, "config key analysis.quantile_method"),
        (
            COHORTS,
            {"active_cohorts": ["small", "clinic"]},
            "config key active_cohorts: 'clinic' is not a cohort under cohorts (known: second, small)",
        ),
        (
            _export("export", encoding="rot13"),
            {},
            "config key cohorts.clinic.export.dialect.encoding: 'rot13' is not a text encoding",
        ),
        (
            _export("export", decimal=","),
            {},
            "config key cohorts.clinic.export.dialect.separator: ',' is also the decimal mark",
        ),
        (_export("exports/19551616-1616"), {}, "config key cohorts.clinic.export.path: the path 'exports/REDACTED'"),
    ],
    ids=["schema", "unknown-active-cohort", "not-a-text-encoding", "separator-is-decimal", "identity-number-in-path"],
)
def test_a_config_error_stops_the_run_naming_the_key(tmp_path, cohorts, top_level, expected):
    workdir = copy_project(tmp_path)
    write_config(workdir, cohorts, **top_level)
    result = snakemake(workdir, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert expected in output, output
    assert "Traceback" not in output and "KeyError" not in output, output
    assert "1616" not in output, output
    assert not (workdir / "results").exists()  # nothing ran


def test_the_benchmark_script_runs_at_a_small_size(tmp_path):
    script = ROOT / "benchmarks" / "run_pipeline_benchmark.py"
    result = subprocess.run(
        [sys.executable, str(script), "--sizes", "25", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    per_rule = pd.read_csv(tmp_path / "per_rule.csv")
    assert {"generate_synthetic_cohort", "validate_raw_export", "clean_tables", "render_report"} <= set(
        per_rule["rule"]
    )
    assert (per_rule["wall_s"] >= 0).all()
