"""The privacy rule and the start checks through Snakemake: no identity number reaches a byte
under results/ or .snakemake/, nor the terminal; a fault is a one-line message, no traceback.

Runs are kept rare and small: the config problems share one run, which stops as the
Snakefile is read; the data cases validate a three-patient export only
(`results/clinic/validation/accounting.csv`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import validation_helpers as vh
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from privacy_helpers import identity_numbers, leaked
from workflow_helpers import copy_project, snakemake

from rehab.core.privacy import REDACTED

pytestmark = pytest.mark.slow

VALIDATION_TARGET = "results/clinic/validation/accounting.csv"


def read_config(workdir: Path) -> dict:
    return yaml.safe_load((workdir / "config" / "config.yaml").read_text(encoding="utf-8"))


def save_config(workdir: Path, config: dict) -> None:
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    (workdir / "config" / "config.yaml").write_text(text, encoding="utf-8")


def export_project(workdir: Path, **export) -> Path:
    """A copy of the project whose one cohort, clinic, is the tests' three-patient export."""
    copy_project(workdir)
    vh.write_export(workdir / "data" / "clinic", **export)
    config = read_config(workdir)
    config["cohorts"] = {"clinic": {"export": {"path": "data/clinic"}}}
    save_config(workdir, config)
    return workdir


def everything_written(workdir: Path, result: subprocess.CompletedProcess) -> str:
    """The terminal output, and every name and byte under results/ and .snakemake/."""
    parts = [result.stdout, result.stderr]
    for folder in (workdir / "results", workdir / ".snakemake"):
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            parts.append(str(path.relative_to(workdir)))
            if path.is_file():
                parts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(parts)


# ----------------------------------------------------------------------------- config problems, one run

# Each place of the config holds another number; the run must stop as it starts and say
# where, masked.
PLACES = {
    "missing_values": "19570202-1111",
    "label": "x1957\u00ad0202-3333",  # repr() would write \xad and break the number up
    "citation": "19570202+4444",
    "codebook": "1957\u20280202 5555",
    "configfile": "19570202-7777",
}


@pytest.fixture(scope="module")
def refused_config(tmp_path_factory):
    workdir = copy_project(tmp_path_factory.mktemp("refused") / "project")
    config = read_config(workdir)
    config["cohorts"] = {
        "19570202": {"synthetic": {"seed": 1, "n_patients": 60.0}},  # 60.0: not an integer
        "6666": {"synthetic": {"seed": 2, "n_patients": 60}},  # joined: results/comparison/19570202+6666
        "clinic": {"export": {"path": "data/clinic", "dialect": {"missing_values": ["NA", PLACES["missing_values"]]}}},
    }
    config["active_cohorts"] = ["19570202", "6666"]
    config["study"]["instruments"]["nprs"]["label"] = PLACES["label"]
    config["study"]["instruments"]["dri"]["responders"][0]["citation"] = f"Personal note {PLACES['citation']}"
    config["codebook"] = f"config/{PLACES['codebook']}/codebook.csv"
    save_config(workdir, config)
    vh.write_export(workdir / "data" / "clinic")
    extra = workdir / f"extra {PLACES['configfile']}.yaml"
    extra.write_text("analysis:\n  confidence_level: 0.95\n", encoding="utf-8")
    result = snakemake(workdir, "--configfile", extra.name, check=False)
    return workdir, result


def test_a_config_holding_identity_numbers_stops_at_start_and_names_each_key(refused_config):
    workdir, result = refused_config
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "The run cannot start (7 problem(s)):" in output
    for line in [
        f"config file '{workdir}/extra REDACTED.yaml': its name or folder holds a personal identity number",
        "config key cohorts.clinic.export.dialect.missing_values.1: the value 'REDACTED' holds",
        "config key study.instruments.nprs.label: the value 'xREDACTED' holds",
        "config key study.instruments.dri.responders.0.citation: the value 'Personal note REDACTED' holds",
        "config key codebook: the value 'config/REDACTED/codebook.csv' holds",
        "config key comparison_name: the comparison folder's name 'REDACTED' (from the active cohorts' names joined by +)",
        "config key cohorts.19570202.synthetic.n_patients: 60.0 is not an integer; write it without a decimal point (60)",
    ]:
        assert line in output
    assert "Traceback" not in output


def test_no_byte_of_a_refused_config_holds_its_numbers(refused_config):
    workdir, result = refused_config
    written = everything_written(workdir, result)
    for number in PLACES.values():
        digits = "".join(char for char in number if char.isdigit())
        assert not leaked(written, digits), number
    assert not (workdir / "results").exists()  # stopped before any rule, param or output path
    metadata = workdir / ".snakemake" / "metadata"
    assert not metadata.exists() or not any(metadata.iterdir())


# ----------------------------------------------------------------------------- files out of reach


def without_privileges() -> list[str]:
    """The command prefix that runs Snakemake as an ordinary user would: as root, without the
    capabilities that let root read and write whatever the permissions say."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("as root, needs setpriv to drop root's capabilities")
    return ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]


def unprivileged_snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    command = [*without_privileges(), sys.executable, "-m", "snakemake", "--cores", "1", *args]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(
    "take_away, expected",
    [
        (
            lambda workdir: (workdir / "data" / "clinic" / "patients.csv").chmod(0),
            "Raw export file data/clinic/patients.csv cannot be read: permission denied. To fix: give the user "
            "who runs the pipeline permission to read the file and to list every folder above it, then run again.",
        ),
        (
            lambda workdir: (workdir / "data" / "clinic").chmod(0o600),  # not listable (no x)
            "Raw export file data/clinic/patients.csv cannot be read: permission denied.",
        ),
        (
            lambda workdir: (workdir / "results").mkdir(mode=0o555),
            "results folder results: the user who runs the pipeline may not write in results; give that user "
            "write permission there",
        ),
    ],
    ids=["unreadable file", "unlistable folder", "read-only results folder"],
)
def test_a_file_or_folder_out_of_reach_stops_the_run_at_start_with_one_line(tmp_path, take_away, expected):
    workdir = export_project(tmp_path / "project")
    take_away(workdir)
    try:
        result = unprivileged_snakemake(workdir, VALIDATION_TARGET)
    finally:
        for path in [workdir / "data" / "clinic", workdir / "data" / "clinic" / "patients.csv", workdir / "results"]:
            if path.exists():
                path.chmod(0o755)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert expected in output
    assert "Traceback" not in output and "ensure write permissions" not in output
    assert not (workdir / "results" / "clinic").exists()


# ----------------------------------------------------------------------------- the property, through Snakemake


@st.composite
def hostile_runs(draw) -> dict:
    """An identity number in one place outside text enters: an export value, a column name, the
    export folder's name, a config string, the config file's name."""
    place = draw(st.sampled_from(["value", "header", "folder", "config", "config file"]))
    digits, written = draw(identity_numbers(max_gaps=2).filter(lambda number: "\0" not in number[1]))
    return {"digits": digits, "written": f"x{written}y", "place": place}  # no file name holds a NUL


# Few examples, and no shrinking of a failure: each example is a Snakemake run.
@settings(
    max_examples=4,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(run=hostile_runs())
def test_no_identity_number_reaches_results_snakemake_or_the_terminal(tmp_path_factory, run):
    workdir = tmp_path_factory.mktemp("hostile") / "project"
    written, place = run["written"], run["place"]
    if place == "value":
        export_project(workdir, patients=[*vh.PATIENTS, vh.patient_row(smoker=written, patient_id=written)])
    elif place == "header":
        export_project(workdir, headers={"outcomes": vh.OUTCOME_HEADER + f",{written}"})
    else:
        export_project(workdir)
    config, arguments = read_config(workdir), [VALIDATION_TARGET]
    if place == "folder":
        (workdir / "data" / "clinic").rename(workdir / "data" / written)
        config["cohorts"]["clinic"]["export"]["path"] = f"data/{written}"
    elif place == "config":
        config["study"]["timepoints"][1]["label"] = written
    elif place == "config file":
        extra = workdir / f"{written}.yaml"
        extra.write_text("analysis:\n  confidence_level: 0.95\n", encoding="utf-8")
        arguments = [*arguments, "--configfile", extra.name]  # last: --configfile takes every name after it
    save_config(workdir, config)
    result = snakemake(workdir, *arguments, check=False)
    assert not leaked(everything_written(workdir, result), run["digits"]), place
    if place in ("value", "header"):
        assert result.returncode == 0 and (workdir / VALIDATION_TARGET).is_file()
    else:
        assert result.returncode != 0 and REDACTED in result.stdout + result.stderr
