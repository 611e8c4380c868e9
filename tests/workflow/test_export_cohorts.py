"""Real exports plug in by config alone: a Swedish-dialect export, and file-level errors
that stop the run with a clear message (no traceback as the only output)."""

from __future__ import annotations

import pandas as pd
import pytest
import report_helpers
import yaml
from conftest import REFERENCE_COHORT
from export_helpers import SWEDISH, synthetic_export, write_swedish_export
from workflow_helpers import copy_project, snakemake, write_config

pytestmark = pytest.mark.slow

SEED, N_PATIENTS = 11, 40


def numbers(workdir, cohort):
    frame = pd.read_csv(workdir / "results" / cohort / "numbers.csv", dtype=str, keep_default_na=False)
    return frame.set_index("key")["value"]


def test_a_swedish_export_added_by_config_gives_the_same_numbers_as_its_source(reference_run_copy, tmp_path):
    """The reference cohort's generated export, rewritten in a Swedish dialect, added as a
    second cohort to a copy of the finished reference run."""
    workdir = reference_run_copy
    export = write_swedish_export(workdir / "results" / REFERENCE_COHORT / "raw", tmp_path / "swedish")
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text(encoding="utf-8"))
    reference = config["cohorts"][REFERENCE_COHORT]
    write_config(
        workdir, {REFERENCE_COHORT: reference, "klinik": {"export": {"path": str(export), "dialect": SWEDISH}}}
    )
    run = snakemake(workdir)

    assert (workdir / "results" / "klinik" / "report.html").is_file()
    assert "WARNING cohort" not in run.stderr, "a clean export has no defects to report"
    comparison = pd.read_csv(workdir / "results" / "comparison" / f"{REFERENCE_COHORT}+klinik" / "comparison.csv")
    assert list(comparison.columns) == ["measure", REFERENCE_COHORT, "klinik"]
    assert (comparison[REFERENCE_COHORT] == comparison["klinik"]).all()
    pd.testing.assert_series_equal(numbers(workdir, REFERENCE_COHORT), numbers(workdir, "klinik"))

    columns = pd.read_csv(workdir / "results" / "klinik" / "validation" / "columns.csv")
    assert columns.query("status == 'unknown'")["column"].tolist() == ["kommentar"]
    accounting = pd.read_csv(workdir / "results" / "klinik" / "validation" / "accounting.csv")
    assert (accounting["rows_quarantined"] == 0).all() and (accounting["values_set_missing"] == 0).all()
    assert_the_clinics_own(workdir, "klinik", export, run)
    # the run ends saying where each cohort's report is, and the comparison's
    output = run.stdout + run.stderr
    for cohort in (REFERENCE_COHORT, "klinik"):
        assert f"report: results/{cohort}/report.html (Word tables: results/{cohort}/tables.docx)" in output
    assert f"comparison: results/comparison/{REFERENCE_COHORT}+klinik/report.html" in output


def assert_the_clinics_own(workdir, cohort, export, run):
    """A clinic's run is the clinic's: no reproduction check, no word of the published values;
    its provenance names the export's files with their checksums, and no synthetic generator."""
    import hashlib
    import json

    results = workdir / "results" / cohort
    assert not (results / "reproduction.csv").exists()
    assert "published values" not in run.stdout + run.stderr
    provenance = json.loads((results / "provenance.json").read_text(encoding="utf-8"))
    inputs = {item["name"]: item for item in provenance["inputs"]}
    for name in ("patients", "sessions", "outcomes"):
        path = export / f"{name}.csv"
        assert (
            inputs[name]["path"] == str(path)
            and inputs[name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        )
    rules = {product["rule"] for product in provenance["products"]}
    assert "generate_synthetic_cohort" not in rules and "check_reproduction" not in rules
    html = (results / "report.html").read_text(encoding="utf-8")
    assert "The files of the clinic's export and the codebook" in html and "synthetic generator" not in html
    report_helpers.assert_reads_as_a_supplement(html)


def assert_one_clear_message(output, fragments):
    for fragment in fragments:
        assert fragment in output
    assert "Traceback" not in output
    assert output.count("Raw export file") == 1, output  # the project's message, once
    assert "cohorts.broken.export." in output, "the message names the config key to fix"


def test_a_missing_file_stops_the_run_before_any_job(tmp_path):
    workdir = copy_project(tmp_path / "project")
    paths = synthetic_export(tmp_path / "export", 10, SEED)
    paths["sessions"].unlink()
    write_config(workdir, {"broken": {"export": {"path": str(tmp_path / "export")}}})
    result = snakemake(workdir, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert_one_clear_message(output, ["sessions.csv", "is missing"])
    assert "Error in rule" not in output, output
    assert not (workdir / "results" / "broken" / "clean").exists(), "nothing downstream runs"


@pytest.fixture(scope="module")
def keep_going_run(tmp_path_factory):
    """One run with --keep-going of two clinics: one whose outcomes file has the wrong
    separator (its validation job stops), one whose export has row-level defects (it finishes
    beside the other, every defect reported and counted)."""
    root = tmp_path_factory.mktemp("keep_going")
    workdir = copy_project(root / "project")
    broken = synthetic_export(root / "broken", 10, SEED)
    broken["outcomes"].write_text(broken["outcomes"].read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    paths = synthetic_export(root / "defects", N_PATIENTS, SEED)
    patients = paths["patients"].read_text(encoding="utf-8").splitlines()
    sessions = paths["sessions"].read_text(encoding="utf-8").splitlines()
    outcomes = paths["outcomes"].read_text(encoding="utf-8").splitlines()
    patients[2] = patients[2].replace(",no,", ",maybe,", 1).replace(",yes,", ",maybe,", 1)  # line 3: optional value
    sessions.insert(5, sessions[4])  # line 6 repeats line 5: duplicate
    outcomes.append("19850312-1234,start,,5,40,60")  # a personal identity number, unknown patient
    for name, lines in (("patients", patients), ("sessions", sessions), ("outcomes", outcomes)):
        paths[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_config(
        workdir,
        {"broken": {"export": {"path": str(root / "broken")}}, "defects": {"export": {"path": str(root / "defects")}}},
    )
    run = snakemake(workdir, "--keep-going", check=False)
    return {"workdir": workdir, "run": run, "export": root / "defects", "sessions": sessions, "outcomes": outcomes}


def test_a_file_that_cannot_be_read_stops_its_job_and_the_other_clinic_finishes(keep_going_run):
    workdir, result = keep_going_run["workdir"], keep_going_run["run"]
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert_one_clear_message(output, ["outcomes.csv", "separator"])
    # the job's own message, from its log, comes last, after Snakemake's account of the failed job
    assert "Error in rule validate_raw_export" in output, output
    end = output[output.index("The run stopped.") :]
    assert "Rule validate_raw_export failed (log: results/broken/logs/validate_raw_export.log):" in end
    assert "\nERROR Raw export file" in end and output.index("Error in rule") < output.index("The run stopped.")
    # which cohort finished and which stopped, before the failed job's message
    assert "cohort broken stopped: a job failed (its message follows)" in output
    finished = "cohort defects finished: report: results/defects/report.html (Word tables: results/defects/tables.docx)"
    assert finished in output and output.index(finished) < output.index("The run stopped.")
    assert not (workdir / "results" / "broken" / "clean").exists(), "nothing downstream runs"


def test_an_export_with_defects_completes_with_every_defect_reported_and_counted(keep_going_run):
    workdir, run = keep_going_run["workdir"], keep_going_run["run"]
    sessions, outcomes = keep_going_run["sessions"], keep_going_run["outcomes"]
    results = workdir / "results" / "defects"
    # the run ends with a WARNING summary of the defects per file, naming failures.csv
    end = run.stderr[run.stderr.index("WARNING cohort defects:") :].splitlines()
    assert end[0].endswith("is in results/defects/validation/failures.csv")
    assert end[1:4] == [
        f"WARNING   patients.csv: 0 of {N_PATIENTS} rows quarantined, 1 value set missing",
        f"WARNING   sessions.csv: 1 of {len(sessions) - 1} rows quarantined, 0 values set missing",
        f"WARNING   outcomes.csv: 1 of {len(outcomes) - 1} rows quarantined, 0 values set missing",
    ]
    accounting = pd.read_csv(results / "validation" / "accounting.csv").set_index("file")
    assert accounting.loc["patients"].tolist() == [N_PATIENTS, N_PATIENTS, 0, 1, N_PATIENTS + 1]
    assert accounting.loc["sessions", "rows_read"] == len(sessions) - 1
    assert accounting.loc["sessions", ["rows_quarantined", "values_set_missing"]].tolist() == [1, 0]
    assert accounting.loc["outcomes", ["rows_quarantined", "values_set_missing"]].tolist() == [1, 0]

    failures = pd.read_csv(results / "validation" / "failures.csv", dtype=str, keep_default_na=False)
    found = set(zip(failures["file"], failures["line"], failures["check"], failures["action"], strict=False))
    assert ("patients", "3", "level", "set_missing") in found
    assert ("sessions", "6", "duplicate_row", "quarantined") in found
    assert ("outcomes", str(len(outcomes)), "personal_identity_number", "quarantined") in found
    assert (results / "report.html").is_file()
    assert_the_clinics_own(workdir, "defects", keep_going_run["export"], run)
    for path in results.rglob("*"):
        if path.is_file() and path.suffix in {".csv", ".log", ".html", ".json"}:
            assert "19850312-1234" not in path.read_text(encoding="utf-8", errors="replace"), path
