#!/usr/bin/env python3
"""Benchmark the whole pipeline on synthetic cohorts of growing size.

For each size, copies the project into a work folder, configures one synthetic cohort of
that many patients and runs `snakemake --cores N`. Snakemake records each rule's wall time,
CPU time and peak memory in the rule's benchmark file (`benchmark:`); this script collects
those files into one table (CSV and Markdown) and prints it, with the total wall time per size.

    .venv/bin/python benchmarks/run_pipeline_benchmark.py                 # 10k, 100k, 1M
    .venv/bin/python benchmarks/run_pipeline_benchmark.py --sizes 10000 --cores 2
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from workflow_helpers import copy_project, snakemake, write_config  # noqa: E402

DEFAULT_SIZES = [10_000, 100_000, 1_000_000]


def prepare_size(n_patients: int, workroot: Path) -> tuple[Path, str]:
    """A fresh copy of the project configured with one synthetic cohort of `n_patients`."""
    workdir = workroot / f"n{n_patients}"
    if workdir.exists():
        shutil.rmtree(workdir)
    copy_project(workdir)
    cohort = f"bench_{n_patients}"
    write_config(workdir, {cohort: {"synthetic": {"seed": 20211028, "n_patients": n_patients}}})
    return workdir, cohort


def run_size(n_patients: int, workroot: Path, cores: int) -> tuple[pd.DataFrame, float]:
    """Run the pipeline on one synthetic cohort; return per-rule benchmarks and total wall time."""
    workdir, cohort = prepare_size(n_patients, workroot)
    started = time.perf_counter()
    snakemake(workdir, "--cores", str(cores))
    wall = time.perf_counter() - started
    return collect_benchmarks(workdir / "results" / cohort / "benchmarks", n_patients), wall


def collect_benchmarks(folder: Path, n_patients: int) -> pd.DataFrame:
    """One row per rule's benchmark file (Snakemake's columns)."""
    rows = []
    for path in sorted(folder.glob("*.tsv")):
        record = pd.read_csv(path, sep="\t").iloc[0]
        rows.append(
            {
                "n_patients": n_patients,
                "rule": path.stem,
                "wall_s": round(float(record["s"]), 2),
                "max_rss_mb": round(float(record["max_rss"]), 1) if record["max_rss"] != "-" else None,
                "cpu_s": round(float(record["cpu_time"]), 2),
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES, help="cohort sizes (patients)")
    parser.add_argument("--cores", type=int, default=2, help="cores for snakemake (default 2, this machine's)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "out", help="where runs and results go")
    args = parser.parse_args(argv)

    args.workdir.mkdir(parents=True, exist_ok=True)
    tables, totals = [], []
    for size in args.sizes:
        per_rule, wall = run_size(size, args.workdir, args.cores)
        tables.append(per_rule)
        totals.append(
            {
                "n_patients": size,
                "total_wall_s": round(wall, 1),
                "max_rule_rss_mb": per_rule["max_rss_mb"].max(),
                "sum_rule_wall_s": per_rule["wall_s"].sum(),
            }
        )
        print(f"{size:>9} patients: {wall:7.1f} s wall, largest rule {per_rule['max_rss_mb'].max():.0f} MB", flush=True)

    per_rule_all = pd.concat(tables, ignore_index=True)
    summary = pd.DataFrame(totals)
    per_rule_all.to_csv(args.workdir / "per_rule.csv", index=False)
    summary.to_csv(args.workdir / "summary.csv", index=False)
    wide = per_rule_all.pivot(index="rule", columns="n_patients", values=["wall_s", "max_rss_mb"])
    (args.workdir / "per_rule.md").write_text(wide.to_string() + "\n", encoding="utf-8")
    print(summary.to_string(index=False))
    print(wide.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
