"""Reading a wide export as an Excel workbook or SPSS files against the same data as CSV (not a test).

    .venv/bin/python benchmarks/bench_export_sources.py --patients 100000

Writes the synthetic cohort of --patients patients in the Swedish wide shapes of
config/shapes.yaml (patients and wide outcomes: one row per patient) as CSV, as an Excel
workbook and as SPSS files, then reads each source in a fresh process and reports the wall
time and the process's peak memory (VmHWM, the interpreter and imports included; the
`imports only` row is that floor; Linux):

- `csv (reader)`: the pipeline's CSV reader (rehab.ingest.reader), the contract's path;
- `xlsx (python-calamine)`: the pipeline's workbook path (rehab.ingest.sources);
- `xlsx (openpyxl, read-only)`: the same sheets read cell by cell with openpyxl instead;
- `sav (pyreadstat)`: the pipeline's SPSS path.

The pipeline's paths also map the source to the contract (rehab.ingest.mapping: names,
codes, wide to long), as validation reads it. The choice this measures is in docs/decisions.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ("patients", "outcomes")


def write_sources(folder: Path, patients: int) -> dict[str, float]:
    """The cohort's contract CSVs, then the three wide shapes; seconds to write each."""
    import yaml

    from rehab.core.study import Study
    from rehab.synthetic.generator import generate_synthetic_cohort
    from rehab.synthetic.shapes import read_contract, shape_tables, write_shape
    from rehab.workflow.config_check import check_config

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    shapes = yaml.safe_load((ROOT / "config" / "shapes.yaml").read_text(encoding="utf-8"))["shapes"]
    cohorts = {shape: {"export": {"path": ".", **shapes[shape]}} for shape in shapes}
    exports = {
        s: c["export"]
        for s, c in check_config({**config, "cohorts": cohorts}, ROOT / "schemas" / "config.schema.yaml")[
            "cohorts"
        ].items()
    }
    study = Study.from_config(check_config(config, ROOT / "schemas" / "config.schema.yaml"))
    contract = folder / "contract"
    contract.mkdir()
    paths = {name: contract / f"{name}.csv" for name in ("patients", "sessions", "outcomes")}
    generate_synthetic_cohort(20211028, patients, ROOT / "config" / "synthetic.yaml", paths)
    frames = read_contract(paths)
    frames["sessions"] = frames["sessions"].iloc[:0]  # the visits stay CSV in this comparison
    seconds = {}
    for shape in ("swedish_wide_csv", "swedish_wide_xlsx", "swedish_wide_sav"):
        target = folder / shape
        target.mkdir()
        started = time.perf_counter()
        write_shape(shape_tables(frames, exports[shape], study), exports[shape], target)
        seconds[shape] = time.perf_counter() - started
    (folder / "exports.json").write_text(json.dumps(exports), encoding="utf-8")
    return seconds


CHILD = r"""
import json, sys, time
from pathlib import Path
folder, method = Path(sys.argv[1]), sys.argv[2]
import numpy, pandas, pyarrow  # the data stack every path loads
from rehab.core.study import Study
import yaml
from rehab.workflow.config_check import check_config
config = yaml.safe_load(open(sys.argv[3], encoding="utf-8"))
study = Study.from_config(check_config(config, sys.argv[4]))
exports = json.loads((folder / "exports.json").read_text(encoding="utf-8"))
shape = {"csv (reader)": "swedish_wide_csv", "xlsx (python-calamine)": "swedish_wide_xlsx",
         "xlsx (openpyxl, read-only)": "swedish_wide_xlsx", "sav (pyreadstat)": "swedish_wide_sav"}.get(method)
started = time.perf_counter()
rows = 0
if method == "xlsx (openpyxl, read-only)":
    from openpyxl import load_workbook
    book = load_workbook(folder / shape / "klinik.xlsx", read_only=True, data_only=True)
    for sheet in ("Patienter", "Utfall"):
        rows += sum(1 for _ in book[sheet].iter_rows(values_only=True))
elif shape:
    from rehab.ingest.mapping import ExportMapping, _read_file
    from schemas.raw_export import raw_contract
    export = exports[shape]
    mapping = ExportMapping.of(export, study, "bench")
    contract = raw_contract(study, tuple(range(1, 11)))
    keys = {"instruments": "study.instruments", "timepoints": "study.timepoints"}
    for name in ("patients", "outcomes"):
        table = _read_file(folder / shape, name, export["dialect"], study, contract.required_columns(name), mapping, keys, 20)
        rows += table.rows_read
seconds = time.perf_counter() - started
# VmHWM: this process's peak resident memory since its exec (ru_maxrss would include the
# parent's, inherited at fork)
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "rows": rows}))
"""


def measure(folder: Path, method: str) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(folder),
            method,
            str(ROOT / "config" / "config.yaml"),
            str(ROOT / "schemas" / "config.schema.yaml"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        written = write_sources(folder, args.patients)
        sizes = {
            shape: sum(p.stat().st_size for p in (folder / shape).iterdir()) / 1e6
            for shape in ("swedish_wide_csv", "swedish_wide_xlsx", "swedish_wide_sav")
        }
        print(f"{args.patients} patients; written (s): " + ", ".join(f"{k} {v:.1f}" for k, v in written.items()))
        print("sizes (MB, patients + wide outcomes): " + ", ".join(f"{k} {v:.1f}" for k, v in sizes.items()))
        print("| source | wall, s | peak memory, MB | rows (long) |\n|---|---|---|---|")
        for method in (
            "imports only",
            "csv (reader)",
            "xlsx (python-calamine)",
            "xlsx (openpyxl, read-only)",
            "sav (pyreadstat)",
        ):
            result = measure(folder, method)
            print(f"| {method} | {result['seconds']:.2f} | {result['peak_mb']:.0f} | {result['rows']} |")


if __name__ == "__main__":
    main()
