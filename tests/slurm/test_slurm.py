"""The workflow through profiles/slurm on a real SLURM cluster: one node on this machine.

tests/slurm/start_local_cluster.sh starts the cluster (.ci/run calls it first). Where no
cluster answers, the test is skipped with the reason. A subset of the reference cohort runs
(validation, cleaning, one table, one figure): every job must go through SLURM and finish
there, and the outputs must be the bytes of a local run of the same targets.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from workflow_helpers import comparable_files, copy_project, snakemake

pytestmark = [pytest.mark.slow, pytest.mark.slurm]

START_SCRIPT = "tests/slurm/start_local_cluster.sh"
LOCAL_CLUSTER = "localcluster"  # ClusterName in the slurm.conf the start script writes
PARTITION = "debug"
TARGETS = [
    "results/reference/tables/table2_baseline.csv",
    "results/reference/figures/outcomes.png",
    "results/reference/figures/outcomes.svg",
]
SUBMITTED_RULES = {
    "generate_synthetic_cohort",
    "validate_raw_export",
    "clean_tables",
    "frequency_tables",  # table_baseline is one of its steps
    "outcome_figures",  # figure_outcomes is one of its steps (drawn from the clean outcomes alone)
}
# Without slurmdbd, sacct fails and the plugin would poll it forever: timeout stops the run
# (SIGTERM first, so that Snakemake cancels its jobs), then the assertion shows the log.
RUN_TIMEOUT_S = 600
RUN_ID = re.compile(r"SLURM run ID: (\S+)")
SUBMISSION = re.compile(r"submitted with SLURM jobid (\d+) \(log: \S*/rule_(\w+)/")


def cluster_settings() -> dict[str, str]:
    """`scontrol show config` of the local test cluster; skip (with why) when there is none."""
    how_to = f"start one with: sudo {START_SCRIPT}"
    if not shutil.which("sinfo") or not shutil.which("scontrol"):
        pytest.skip(f"SLURM is not installed; {how_to}")
    if subprocess.run(["sinfo", "--noheader"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip(f"no SLURM cluster answers sinfo; {how_to}")
    shown = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True, timeout=30, check=True)
    settings = dict(
        (key.strip(), value.strip())
        for key, sep, value in (line.partition("=") for line in shown.stdout.splitlines())
        if sep
    )
    if settings.get("ClusterName") != LOCAL_CLUSTER:
        pytest.skip(
            f"the SLURM cluster that answers is not the local one of {START_SCRIPT}; no test jobs are sent to it"
        )
    return settings


def node_memory_mb() -> int:
    shown = subprocess.run(
        ["sinfo", "--noheader", "--Node", "--format=%m"], capture_output=True, text=True, timeout=30, check=True
    )
    return min(int(value) for value in shown.stdout.split())


def fit_memory_to_node(profile: Path, node_mb: int) -> None:
    """Lower memory requests (sized for 1,000,000 patients) to the node's, where it has less.

    SLURM rejects a job asking for more memory than any node has; a laptop may have less
    than the largest request. On a machine with enough memory the profile stays as shipped.
    """
    settings = yaml.safe_load(profile.read_text(encoding="utf-8"))
    blocks = [settings["default-resources"], *settings["set-resources"].values()]
    if all(block.get("mem_mb", 0) <= node_mb for block in blocks):
        return
    for block in blocks:
        if "mem_mb" in block:
            block["mem_mb"] = min(block["mem_mb"], node_mb)
    profile.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")


def start_slurm_run(workdir: Path) -> subprocess.Popen:
    """Snakemake with profiles/slurm, as the README tells users of the local cluster."""
    env = {key: value for key, value in os.environ.items() if key != "SBATCH_ACCOUNT"}
    env["SBATCH_PARTITION"] = PARTITION
    command = [
        "timeout",
        "-k",
        "20",
        str(RUN_TIMEOUT_S),
        sys.executable,
        "-m",
        "snakemake",
        "--workflow-profile",
        "profiles/slurm",
        "--slurm-status-command",
        "squeue",
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--seconds-between-status-checks",  # the test's five short jobs: ask SLURM every 2 s, not 10
        "2",
        *TARGETS,
    ]
    log = (workdir / "slurm_run.log").open("w", encoding="utf-8")
    return subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)


def job_completion_records(path: Path, run_id: str) -> dict[str, dict[str, str]]:
    """jobcomp/filetxt lines of one Snakemake run (its jobs are named by the run id), by job id."""
    records = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = dict(field.split("=", 1) for field in line.split() if "=" in field)
        if record.get("Name") == run_id:
            records[record["JobId"]] = record
    return records


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same targets through SLURM and locally (the local run while SLURM jobs wait)."""
    settings = cluster_settings()
    slurm_dir = copy_project(tmp_path_factory.mktemp("slurm"))
    local_dir = copy_project(tmp_path_factory.mktemp("local"))
    fit_memory_to_node(slurm_dir / "profiles" / "slurm" / "config.yaml", node_memory_mb())
    process = start_slurm_run(slurm_dir)
    try:
        snakemake(local_dir, *TARGETS)
    finally:
        returncode = process.wait(timeout=RUN_TIMEOUT_S + 60)
    log = (slurm_dir / "slurm_run.log").read_text(encoding="utf-8")
    assert returncode == 0, f"snakemake through SLURM failed ({returncode}):\n{log[-8000:]}"
    return {"slurm": slurm_dir, "local": local_dir, "log": log, "settings": settings}


def test_every_job_ran_as_a_slurm_job_and_completed(runs):
    log = runs["log"]
    run_id = RUN_ID.search(log)
    assert run_id, log[-4000:]
    run_id = run_id.group(1)
    submitted = {job_id: rule for job_id, rule in SUBMISSION.findall(log)}
    assert set(submitted.values()) == SUBMITTED_RULES, log[-4000:]
    assert len(submitted) == len(SUBMITTED_RULES)

    assert runs["settings"]["JobCompType"] == "jobcomp/filetxt"
    records = job_completion_records(Path(runs["settings"]["JobCompLoc"]), run_id)
    assert records.keys() == submitted.keys()
    for job_id, record in records.items():
        assert record["JobState"] == "COMPLETED", (submitted[job_id], record)
        assert record["Partition"] == PARTITION, (submitted[job_id], record)
        assert record["NodeList"] == "localhost", (submitted[job_id], record)


def test_slurm_outputs_are_the_bytes_of_a_local_run(runs):
    through_slurm, local = comparable_files(runs["slurm"]), comparable_files(runs["local"])
    assert through_slurm.keys() == local.keys()
    assert {
        "reference/tables/table2_baseline.csv",
        "reference/figures/outcomes.png",
        "reference/validation/accounting.csv",
        "reference/clean/patients.parquet",
    } <= through_slurm.keys()
    for name, path in through_slurm.items():
        assert path.read_bytes() == local[name].read_bytes(), name
