"""Benchmark of the raw export reader at registry scale (not part of the test suite).

    /usr/bin/time -v /work/venv/bin/python benchmarks/bench_rawio.py --rows 9000000 [--swedish]

Writes a synthetic sessions.csv of --rows visits into a temporary folder (generated with
numpy, about 300 MB at 9M rows) and times read_raw_table on it. --swedish writes the
`;`-separated cp1252 dialect, where every interventions field is quoted.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from rehab.ingest.reader import read_raw_table  # noqa: E402
from rehab.workflow.config_check import schema_default  # noqa: E402


def write_sessions(path: Path, rows: int, swedish: bool) -> None:
    rng = np.random.default_rng(1)
    patients = pd.Series(rng.integers(0, rows // 9 + 1, rows)).map("P{:07d}".format)
    days = pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 4000, rows), unit="D")
    codes = np.array(["", "1", "1;2", "2;4;7", "3;5;8;10", "1;2;3;4;5;6"])
    frame = pd.DataFrame(
        {
            "patient_id": patients,
            "session_date": days.strftime("%Y-%m-%d"),
            "interventions": codes[rng.integers(0, len(codes), rows)],
        }
    )
    frame.to_csv(
        path,
        index=False,
        sep=";" if swedish else ",",
        lineterminator="\r\n" if swedish else "\n",
        encoding="cp1252" if swedish else "utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=9_000_000)
    parser.add_argument("--swedish", action="store_true")
    parser.add_argument(
        "--path",
        type=Path,
        help="keep the file here; reuse it when it exists (so that /usr/bin/time measures the read alone)",
    )
    args = parser.parse_args()
    dialect = schema_default(Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml", "dialect")
    if args.swedish:
        dialect |= {"separator": ";", "decimal": ",", "encoding": "cp1252"}
    with tempfile.TemporaryDirectory() as folder:
        path = args.path or Path(folder) / "sessions.csv"
        if not path.exists():
            started = time.perf_counter()
            write_sessions(path, args.rows, args.swedish)
            seconds = time.perf_counter() - started
            print(f"wrote {path.stat().st_size / 1e6:.0f} MB in {seconds:.1f} s", flush=True)
        started = time.perf_counter()
        table = read_raw_table(path, "sessions", dialect)
        elapsed = time.perf_counter() - started
        print(
            f"read {path.stat().st_size / 1e6:.0f} MB, {table.rows_read} rows "
            f"({len(table.malformed)} malformed) in {elapsed:.1f} s"
        )


if __name__ == "__main__":
    main()
