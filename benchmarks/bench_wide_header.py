"""Benchmark of a raw export whose header has very many columns (not part of the test suite).

    .venv/bin/python benchmarks/bench_wide_header.py                        # 1,000 10,000 100,000
    .venv/bin/python benchmarks/bench_wide_header.py --widths 100000 --rows 10

Writes the baseline export of the tests (3 patients) with `--widths` extra, unknown columns
in patients.csv (`extra_000001`, ... : the contract's columns first, then the unknown ones)
into a temporary folder, then times reading the file alone (`read_raw_table`) and the whole
validation with its outputs (`validate_export` + `write_validation_outputs`) in this
process. Reading a header must grow linearly with its width: the last column gives the
validation's time beyond that of the contract's own 16 columns, per 1,000 extra columns,
which stays flat when it does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the tests' baseline export and paper study

import validation_helpers as vh  # noqa: E402
from analysis_helpers import PAPER_CODES, PAPER_STUDY  # noqa: E402

from rehab.ingest.reader import read_raw_table  # noqa: E402
from rehab.ingest.validation import validate_export  # noqa: E402
from rehab.ingest.validation_outputs import write_validation_outputs  # noqa: E402


def write_wide_export(folder: Path, width: int, rows: int) -> Path:
    extra = [f"extra_{index:06d}" for index in range(width)]
    header = ",".join([vh.PATIENT_HEADER, *extra])
    filler = "".join("," + "x" for _ in range(width))
    patients = [row + filler for row in vh.PATIENTS]
    patients = [patients[index % len(patients)].replace("P", f"Q{index}_", 1) for index in range(rows)]
    return vh.write_export(folder, patients=patients, headers={"patients": header})


def measure(width: int, rows: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as temporary:
        export = write_wide_export(Path(temporary) / "export", width, rows)
        start = time.perf_counter()
        read_raw_table(export / "patients.csv", "patients", vh.DEFAULT_DIALECT)
        read = time.perf_counter() - start
        start = time.perf_counter()
        results = validate_export(
            export, vh.DEFAULT_DIALECT, PAPER_STUDY, PAPER_CODES, vh.DEFAULT_EXPORT, cohort="bench"
        )
        write_validation_outputs(results, **vh.output_paths(Path(temporary) / "validation"))
        return read, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--widths", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--rows", type=int, default=3, help="data rows of patients.csv")
    arguments = parser.parse_args()
    measure(0, arguments.rows)  # warm-up: imports and the Pandera models
    _, fixed = measure(0, arguments.rows)  # the contract's columns alone
    print(f"no extra column: validate {fixed:.2f} s")
    print(f"{'extra columns':>13} {'read s':>9} {'validate s':>11} {'beyond no extra column, s per 1,000':>37}")
    for width in arguments.widths:
        read, validate = measure(width, arguments.rows)
        print(f"{width:>13,} {read:>9.2f} {validate:>11.2f} {1000 * (validate - fixed) / width:>37.4f}", flush=True)


if __name__ == "__main__":
    main()
