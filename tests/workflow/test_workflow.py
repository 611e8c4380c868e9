"""The workflow end to end on the reference cohort (the shared runs of tests/conftest.py):
outputs, determinism, no-op reruns, reports, lint; config errors stop the run."""

from __future__ import annotations

import json
import re
import zipfile

import pandas as pd
import pytest
import yaml
from conftest import REFERENCE_COHORT
from workflow_helpers import comparable_files, copy_project, jobs_to_run, snakemake, write_config

from rehab.outputs import contents as report_contents

pytestmark = pytest.mark.slow


def test_the_cohort_gets_its_outputs_and_a_one_cohort_run_no_comparison(reference_run):
    folder = reference_run / "results" / REFERENCE_COHORT
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
        "tables.docx",
    ]:
        assert (folder / relative).is_file(), relative
    assert list((folder / "tables").glob("*.csv"))
    assert list((folder / "figures").glob("*.png")) and list((folder / "figures").glob("*.svg"))
    accounting = pd.read_csv(folder / "validation" / "accounting.csv")
    assert (accounting["rows_read"] == accounting["rows_kept"] + accounting["rows_quarantined"]).all()
    config = yaml.safe_load((reference_run / "config" / "config.yaml").read_text(encoding="utf-8"))
    numbers = pd.read_csv(folder / "numbers.csv", keep_default_na=False).set_index("key")["value"]
    assert int(float(numbers["flow.patients"])) == config["cohorts"][REFERENCE_COHORT]["synthetic"]["n_patients"]
    assert not (reference_run / "results" / "comparison").exists()


TIMESTAMP = re.compile(r'<time class="run-timestamp"[^>]*>.*?</time>', re.S)


def test_two_clean_runs_give_the_same_bytes(reference_run, second_reference_run):
    first, second = comparable_files(reference_run), comparable_files(second_reference_run)
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


def test_two_configs_write_two_comparison_folders(reference_run_copy):
    """Asked for by name, the comparison is made for one cohort too; each config's name gets its
    own folder (only the comparison: a full run would remake provenance.json, which records the config)."""
    comparisons = reference_run_copy / "results" / "comparison"
    snakemake(reference_run_copy, "compare_cohorts")
    before = (comparisons / REFERENCE_COHORT / "comparison.csv").read_bytes()
    snakemake(reference_run_copy, "compare_cohorts", "--config", "comparison_name=trial")
    assert {path.name for path in comparisons.iterdir()} == {REFERENCE_COHORT, "trial"}
    assert (comparisons / "trial" / "comparison.csv").read_bytes() == before
    assert (comparisons / REFERENCE_COHORT / "comparison.csv").read_bytes() == before, "not overwritten"
    report = (comparisons / "trial" / "report.html").read_text(encoding="utf-8")
    assert "comparison <code>trial</code>" in report


def test_provenance_names_the_command_that_ran(reference_run):
    provenance = json.loads(
        (reference_run / "results" / REFERENCE_COHORT / "provenance.json").read_text(encoding="utf-8")
    )
    assert "snakemake" in provenance["command_line"] and "--cores 2" in provenance["command_line"]


def test_nothing_changed_reruns_nothing(reference_run):
    assert jobs_to_run(reference_run) == {}


def test_a_copied_project_is_still_up_to_date(reference_run_copy):
    """Rule inputs name project files relative to it: moving the folder reruns nothing."""
    assert jobs_to_run(reference_run_copy) == {}


def test_snakemake_report_packs_the_reviewed_outputs(reference_run, tmp_path):
    archive = tmp_path / "report.zip"
    snakemake(reference_run, "--report", str(archive))
    names = zipfile.ZipFile(archive).namelist()
    for expected in (
        "report.html",
        "tables.docx",
        "table2_baseline.csv",
        "reproduction.csv",
        "figure1_patient_flow.svg",
    ):
        assert any(name.endswith(expected) for name in names), expected
    # each table and figure is labelled with the number, title and caption the report gives it
    with zipfile.ZipFile(archive) as packed:
        index = next(name for name in names if name.endswith("report.html") and "/data/" not in name)
        labels = packed.read(index).decode("utf-8")
    outcomes = report_contents.label(report_contents.item("table", "outcomes"))
    assert f'"labels": {{"number": "{outcomes}", "title": "Outcomes at start, discharge and 1 year"' in labels


def test_the_reference_report_reads_as_a_supplement(reference_run):
    """No rule, script, path, config key or package function in the body of the real report."""
    import report_helpers

    html = (reference_run / "results" / REFERENCE_COHORT / "report.html").read_text(encoding="utf-8")
    report_helpers.assert_reads_as_a_supplement(html)
    assert '<section id="made" class="appendix">' in html and "<code>outcome_analysis</code>" in html


def test_lint_is_clean(reference_run):
    result = snakemake(reference_run, "--lint")
    assert "Congratulations" in result.stdout + result.stderr, result.stdout + result.stderr


def test_slurm_profile_passes_a_dry_run(reference_run):
    result = snakemake(reference_run, "--workflow-profile", "profiles/slurm", "--dry-run", "--forceall")
    assert "validate_raw_export" in result.stdout + result.stderr


def test_the_pipeline_version_is_recorded_and_a_new_version_reruns_only_the_provenance_and_report(
    reference_run_copy,
):
    version_file = reference_run_copy / "VERSION"
    results = reference_run_copy / "results" / REFERENCE_COHORT
    provenance = json.loads((results / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["version"] == version_file.read_text(encoding="utf-8").strip()
    report = (results / "report.html").read_text(encoding="utf-8")
    assert f"<dt>Pipeline version</dt><dd><code>{provenance['version']}</code></dd>" in report

    version_file.write_text("99.0.0\n", encoding="utf-8")
    planned = set(jobs_to_run(reference_run_copy))
    assert {"provenance", "render_report"} <= planned
    assert planned <= {"provenance", "render_report", "all"}, planned


def _export(path, **dialect):
    return {"clinic": {"export": {"path": path, "dialect": dialect}}}


@pytest.mark.parametrize(
    "cohorts, top_level, expected",
    [
        (
            _export("exports/19551616-1616"),
            {},
            "config key cohorts.clinic.export.path: the value 'exports/REDACTED' holds",
        ),
    ],
    ids=["identity-number-in-path"],
)
def test_a_config_error_stops_the_run_naming_the_key(tmp_path, cohorts, top_level, expected):
    """The workflow checks its config before any job and stops with the check's (masked) message;
    every message itself is a unit test of rehab.workflow.config_check (tests/unit/test_config.py)."""
    workdir = copy_project(tmp_path)
    write_config(workdir, cohorts, **top_level)
    result = snakemake(workdir, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert expected in output, output
    assert "Traceback" not in output and "KeyError" not in output, output
    assert "1616" not in output, output
    assert not (workdir / "results").exists()  # nothing ran
