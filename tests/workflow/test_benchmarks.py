"""A small run of benchmarks/bench_ratios.py, so the script cannot rot: the import floor,
the no-op ratio on a copy of the shared reference run, and DuckDB's core numbers, which
must agree with the pipeline's numbers.csv (the anchor does the same work)."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest
from workflow_helpers import ROOT

pytestmark = pytest.mark.slow


def test_the_ratio_benchmark_runs_on_a_finished_run(reference_run_copy, tmp_path):
    pytest.importorskip(
        "duckdb", reason="DuckDB (benchmarks/requirements.txt, in requirements-dev.txt) is not installed"
    )
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "bench_ratios.py"),
        *("--reference-run", str(reference_run_copy), "--sizes", "--repeat", "1", "--cores", "2"),
        *("--workdir", str(tmp_path / "out")),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "import floor:" in output
    assert "DuckDB differs" not in output, output
    checked = re.search(r"(\d+) core numbers checked against numbers.csv", output)
    assert checked and int(checked.group(1)) >= 50, output
    ratios = pd.read_csv(tmp_path / "out" / "ratios.csv")
    assert set(ratios["measure"].str[:3]) == {"(b)"}, "no (a) without a run from clean, no (c) without sizes"
    # each ratio is its value over its anchor, both measured (a failed measure would be NaN)
    assert ratios[["value", "anchor", "ratio"]].notna().all().all()
    assert (abs(ratios["ratio"] - ratios["value"] / ratios["anchor"]) <= 0.01 * ratios["ratio"] + 0.01).all()
