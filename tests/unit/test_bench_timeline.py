"""The reference run's timeline in benchmarks/bench_ratios.py, read from Snakemake's
benchmark files: a job ends when its file is written and starts its `s` seconds before."""

from __future__ import annotations

import os
import sys

from workflow_helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_ratios import timeline  # noqa: E402

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def benchmark_file(folder, rule: str, seconds: float, cpu: float, written_at: float):
    path = folder / f"{rule}.tsv"
    path.write_text(HEADER + f"{seconds}\t0:00:0{int(seconds)}\t100\t200\t90\t95\t0\t1\t50\t{cpu}\n", encoding="utf-8")
    os.utime(path, (written_at, written_at))


def test_each_job_starts_its_duration_before_its_file_and_snakemakes_share_is_around_them(tmp_path):
    started = 1_000_000.0
    benchmark_file(tmp_path, "validate_raw_export", 2.0, 1.5, started + 7.0)
    benchmark_file(tmp_path, "generate_synthetic_cohort", 1.0, 0.9, started + 4.0)
    rows = timeline(tmp_path, started, wall_s=9.5).set_index("rule")
    assert list(rows.index) == [
        "generate_synthetic_cohort",
        "validate_raw_export",
        "(Snakemake before the first job)",
        "(Snakemake after the last job)",
    ]
    assert rows.loc["generate_synthetic_cohort", ["start_s", "end_s", "cpu_s"]].tolist() == [3.0, 4.0, 0.9]
    assert rows.loc["validate_raw_export", ["start_s", "end_s"]].tolist() == [5.0, 7.0]
    assert rows.loc["(Snakemake before the first job)", ["start_s", "end_s"]].tolist() == [0.0, 3.0]
    assert rows.loc["(Snakemake after the last job)", ["start_s", "end_s"]].tolist() == [7.0, 9.5]
