"""Run the real Snakemake workflow on a copy of the project in a temporary directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PARTS = [
    "Snakefile",
    "VERSION",
    "config",
    "workflow",
    "schemas",
    "profiles",
    "requirements.txt",
    "environment.yml",
]


def copy_project(destination: Path) -> Path:
    """Copy what a run needs (no results, no .snakemake, no git) into `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=ignore)
        else:
            shutil.copy2(source, destination / part)
    return destination


def copy_run(source: Path, destination: Path) -> Path:
    """A finished run's project folder with its .snakemake (Snakemake sees it up to date)."""
    shutil.copytree(source, destination, symlinks=True)
    return destination


def write_config(workdir: Path, cohorts: dict, **top_level) -> Path:
    """Overwrite the copy's config/config.yaml cohorts (and any top-level key)."""
    path = workdir / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["cohorts"] = cohorts
    config.update(top_level)
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def snakemake(
    workdir: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run `python -m snakemake` in `workdir` (with `env` added to the environment); on
    failure show its output in the assertion."""
    command = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    environment = {**os.environ, **(env or {})}
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=900, env=environment)
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
        )
    return result


def jobs_to_run(workdir: Path, *args: str) -> dict[str, int]:
    """The rules a dry run would execute, with their job counts."""
    result = snakemake(workdir, *args, "--dry-run", "--quiet", "rules")
    counts: dict[str, int] = {}
    lines = (result.stdout + result.stderr).splitlines()
    in_table = False
    for line in lines:
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            in_table = True
            continue
        if in_table:
            if len(parts) == 2 and parts[1].isdigit():
                if parts[0] != "total":
                    counts[parts[0]] = int(parts[1])
            elif parts and not set(line.strip()) <= {"-", " "}:
                in_table = False
    return counts


def comparable_files(workdir: Path) -> dict[str, Path]:
    """Every result file of a run by its path under results/, logs and benchmarks left out."""
    results = workdir / "results"
    skip = {"logs", "benchmarks"}
    return {
        str(path.relative_to(results)): path
        for path in sorted(results.rglob("*"))
        if path.is_file() and not skip & set(path.relative_to(results).parts)
    }


def own_library(workdir: Path) -> dict[str, str]:
    """The environment that makes a copied project run its OWN library (its
    workflow/scripts/rehab and schemas), not the installed one: for a test that edits the
    copy's code."""
    return {"PYTHONPATH": os.pathsep.join([str(workdir / "workflow" / "scripts"), str(workdir)])}
