"""provenance.json: hashes, versions, git state, command line, and determinism."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest

from rehab.outputs import provenance


def test_sha256_of_a_file_matches_hashlib(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_bytes(b"patient_id,sex\nP1,F\n" * 100_000)
    assert provenance.sha256_file(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_input_hashes_show_paths_relative_to_the_project(tmp_path):
    (tmp_path / "results" / "c" / "raw").mkdir(parents=True)
    raw = tmp_path / "results" / "c" / "raw" / "patients.csv"
    raw.write_text("abc", encoding="utf-8")
    elsewhere = tmp_path.parent / f"{tmp_path.name}_export.csv"
    elsewhere.write_text("x", encoding="utf-8")
    rows = provenance.input_hashes({"patients": str(raw), "other": str(elsewhere)}, tmp_path)
    assert rows[0] == {
        "name": "patients",
        "path": "results/c/raw/patients.csv",
        "sha256": hashlib.sha256(b"abc").hexdigest(),
        "bytes": 3,
    }
    assert rows[1]["path"] == elsewhere.as_posix()  # outside the project: as given


def test_a_workbook_that_holds_every_table_is_read_once(tmp_path, monkeypatch):
    workbook = tmp_path / "export.xlsx"
    workbook.write_bytes(b"PK workbook bytes")
    read = []
    monkeypatch.setattr(provenance, "sha256_file", lambda path: read.append(path) or "digest")
    names = {"patients": str(workbook), "sessions": str(workbook), "outcomes": str(tmp_path / "." / "export.xlsx")}
    rows = provenance.input_hashes(names, tmp_path)
    assert len(read) == 1
    assert [row["name"] for row in rows] == ["patients", "sessions", "outcomes"]
    assert {row["sha256"] for row in rows} == {"digest"}


def test_package_versions_compare_installed_with_pinned(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# comment\njinja2==3.1.6\nPyYAML==0.0.1\nno-such-package-xyz==1.0\n", encoding="utf-8")
    rows = {row["package"]: row for row in provenance.package_versions(provenance.pinned_packages(requirements))}
    assert rows["jinja2"] == {"package": "jinja2", "pinned": "3.1.6", "installed": "3.1.6", "matches": True}
    assert rows["PyYAML"]["matches"] is False and rows["PyYAML"]["installed"]
    assert rows["no-such-package-xyz"]["installed"] is None


def test_git_state_is_unknown_outside_a_repository(tmp_path):
    assert provenance.git_state(tmp_path) == {"commit": "unknown", "dirty": "unknown"}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_state_reports_commit_and_dirty_flag(tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.txt").write_text("1", encoding="utf-8")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "first")
    state = provenance.git_state(tmp_path)
    assert len(state["commit"]) == 40 and state["dirty"] is False
    (tmp_path / "a.txt").write_text("2", encoding="utf-8")
    assert provenance.git_state(tmp_path)["dirty"] is True


def test_command_line_is_written_relative_to_the_working_directory():
    line = "/work/venv/bin/snakemake --cores 2 --directory /home/me/proj --configfile /home/me/proj/c.yaml"
    assert (
        provenance.relative_command_line(line, "/home/me/proj")
        == "snakemake --cores 2 --directory . --configfile c.yaml"
    )
    assert provenance.relative_command_line("", "/x") == "unknown"


def _build(tmp_path, products=()):
    raw = tmp_path / "raw.csv"
    raw.write_text("a\n1\n", encoding="utf-8")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("jinja2==3.1.6\n", encoding="utf-8")
    return provenance.build_provenance(
        cohort="ref",
        raw_files={"patients": str(raw)},
        config={"analysis": {"confidence_level": 0.95}},
        requirements=requirements,
        command_line="snakemake --cores 1",
        products=list(products),
        root=tmp_path,
    )


def test_two_builds_differ_only_in_the_timestamp(tmp_path, monkeypatch):
    first, second = _build(tmp_path), _build(tmp_path)
    first.pop("run_timestamp"), second.pop("run_timestamp")
    assert first == second
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1635379200")
    pinned = _build(tmp_path)
    assert pinned["run_timestamp"] == "2021-10-28T00:00:00+00:00"
    for path in (tmp_path / "a.json", tmp_path / "b.json"):
        provenance.write_json(_build(tmp_path), path)
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_products_are_filled_in_for_the_cohort(tmp_path):
    product = {
        "rule": "outcome_figures",
        "step": "figure_outcomes",
        "script": "workflow/scripts/figures.py",
        "outputs": ["results/{cohort}/figures/outcomes.svg"],
        "inputs": ["results/{cohort}/clean/outcomes.parquet"],
        "code": [],
    }
    data = _build(tmp_path, [product])
    assert data["products"][0]["outputs"] == ["results/ref/figures/outcomes.svg"]
    assert data["products"][0]["inputs"] == ["results/ref/clean/outcomes.parquet"]
    assert data["products"][0]["step"] == "figure_outcomes"
    provenance.write_json(data, tmp_path / "p.json")
    loaded = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert loaded["python"]["version"].startswith("3.")
    assert loaded["config"] == {"analysis": {"confidence_level": 0.95}}


def test_the_version_is_read_from_the_one_line_of_the_version_file(tmp_path):
    path = tmp_path / "VERSION"
    path.write_text("0.2.0-dev\n", encoding="utf-8")
    assert provenance.read_version(path) == "0.2.0-dev"
    for broken in ("", "\n", "0.1.0\n0.2.0\n"):
        path.write_text(broken, encoding="utf-8")
        with pytest.raises(ValueError, match="one line"):
            provenance.read_version(path)


def test_provenance_carries_the_pipeline_version(tmp_path):
    assert _build(tmp_path)["version"] == "unknown"  # a caller that knows no version says so
    raw = tmp_path / "raw.csv"
    data = provenance.build_provenance(
        cohort="ref",
        raw_files={"patients": str(raw)},
        config={},
        requirements=tmp_path / "requirements.txt",
        command_line="snakemake",
        products=[],
        root=tmp_path,
        version="1.2.3",
    )
    assert data["version"] == "1.2.3"


def test_the_report_shows_the_pipeline_version_in_its_provenance_section(tmp_path):
    import report_helpers as helpers

    from rehab.outputs.report import render_report

    inputs = helpers.report_inputs(tmp_path)
    data = json.loads(inputs.provenance.read_text(encoding="utf-8"))
    data["version"] = "9.8.7-test"
    provenance.write_json(data, inputs.provenance)
    html = render_report(inputs, helpers.TEMPLATE_DIR)
    section = html[html.index('<section id="provenance"') :]
    assert "<dt>Pipeline version</dt><dd><code>9.8.7-test</code></dd>" in section
