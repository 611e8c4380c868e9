"""Benchmark of validation + cleaning at registry scale.

    python benchmarks/bench_validation.py                 # 10,000 and 1,000,000 patients
    python benchmarks/bench_validation.py --sizes 10000   # one size
    python benchmarks/bench_validation.py --profile 100000  # cProfile of one run (top 30)

For each size a raw export is generated with numpy (~9 visits and ~3 outcome rows per
patient, ~0.5% defective values so that the failure paths run too, every field quoted) into
benchmarks/out/, or with `--generator synthetic` by the pipeline's own generator
(rehab.synthetic.generator, config/synthetic.yaml: ~10 visits and 2.55 outcome rows per patient, clean),
then validation (read, Pandera checks, all validation outputs) and cleaning (clean tables,
validated and written) run in a fresh subprocess, which reports wall times and its peak
resident memory (resource.getrusage ru_maxrss: numpy/arrow memory included).
Target at 1,000,000 patients: within 2 minutes and 6 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

ROOT = Path(__file__).resolve().parents[1]

OUT = ROOT / "benchmarks" / "out"
LEVELS = {
    "sex": ["F", "M"],
    "smoker": ["yes", "no"],
    "pain_distribution": ["localized", "regional", "generalized"],
    "main_pain_location": ["neck", "multiple", "lumbar_thoracic_pelvis", "hip_knee_ankle_foot", "shoulder_elbow_hand"],
    "eq5d_version": ["3L", "5L"],
}


def _text(values) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _dates(days: np.ndarray) -> pa.Array:
    return _text(np.datetime_as_string(days.astype("datetime64[D]"), unit="D"))


def _choice(rng, levels, n) -> pa.Array:
    return pa.array(levels).take(pa.array(rng.integers(0, len(levels), n)))


def _spoil(rng, column: pa.Array, bad: str, share: float = 0.005) -> pa.Array:
    """Replace a share of values by an invalid one, so that the failure paths run."""
    hit = pa.array(rng.random(len(column)) < share)
    return pc.if_else(hit, pa.scalar(bad, pa.string()), column)


def generate(folder: Path, n: int, seed: int = 1) -> None:
    from rehab.core.values import canonical_codes

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = pc.binary_join_element_wise("P", pc.utf8_lpad(_text(np.arange(n)), 7, "0"), "")
    start = np.datetime64("2015-01-01") + rng.integers(0, 2000, n)
    duration = rng.integers(30, 300, n)
    patients = {
        "patient_id": ids,
        "sex": _choice(rng, LEVELS["sex"], n),
        "age": _text(rng.integers(18, 90, n)),
        "height_cm": _spoil(rng, _text(np.round(rng.normal(172, 9, n).clip(121, 219), 1)), ".5"),
        "weight_kg": _text(np.round(rng.normal(78, 14, n).clip(31, 249), 1)),
        "smoker": _choice(rng, LEVELS["smoker"], n),
        "pain_onset_date": _dates(start - rng.integers(100, 4000, n)),
        "program_start_date": _dates(start),
        "discharge_date": _dates(start + duration),
        "pain_distribution": _choice(rng, LEVELS["pain_distribution"], n),
        "main_pain_location": _choice(rng, LEVELS["main_pain_location"], n),
        "ability_to_reduce_pain": _spoil(rng, _text(rng.integers(0, 7, n)), "7"),
        "activity_minutes_week": _text(rng.integers(0, 600, n)),
        "eq5d_version": pa.array(np.full(n, "5L")),
        "eq5d_anxiety_depression": _text(rng.integers(1, 6, n)),
        "rehab_goals": _text(rng.integers(0, 10, n)),
    }
    _write(folder / "patients.csv", patients)

    visits = rng.poisson(9, n)
    owner = np.repeat(np.arange(n), visits)
    offset = (rng.random(len(owner)) * duration[owner]).astype(int)
    bits = rng.integers(1, 2**10, len(owner))  # bit i = code i + 1 of the codes 1..10
    sessions = {
        "patient_id": ids.take(pa.array(owner)),
        "session_date": _dates(start[owner] + offset),
        "interventions": _spoil(rng, canonical_codes(bits, tuple(range(1, 11))).cast(pa.string()), "11"),
    }
    _write(folder / "sessions.csv", sessions)

    has = np.stack([np.ones(n, bool), rng.random(n) < 0.95, rng.random(n) < 0.9], axis=1)
    who, point = np.nonzero(has)
    when = start[who] + np.array([0, 0, 365])[point] + np.where(point > 0, duration[who], 0)
    outcomes = {
        "patient_id": ids.take(pa.array(who)),
        "timepoint": pa.array(["start", "discharge", "followup"]).take(pa.array(point)),
        "assessment_date": _dates(when),
        "nprs": _spoil(rng, _text(rng.integers(0, 11, len(who))), "11"),
        "dri": _text(np.round(rng.uniform(0, 100, len(who)), 1)),
        "eq_vas": _text(rng.integers(0, 101, len(who))),
    }
    _write(folder / "outcomes.csv", outcomes)


def generate_with_pipeline(folder: Path, n: int, seed: int = 20211028) -> None:
    from rehab.synthetic.generator import generate_synthetic_cohort

    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / f"{name}.csv" for name in ("patients", "sessions", "outcomes")}
    generate_synthetic_cohort(seed, n, ROOT / "config" / "synthetic.yaml", paths)


def _write(path: Path, columns: dict) -> None:
    table = pa.table(columns)
    pcsv.write_csv(table, path, pcsv.WriteOptions(quoting_style="needed"))


def measure(folder: Path) -> dict:
    """Validate + clean one export (run in a fresh process): wall times and peak memory."""
    import yaml

    from rehab.core.export_contract import RAW_FILES
    from rehab.core.study import Study
    from rehab.ingest.cleaning import clean_export, read_kept, write_clean
    from rehab.ingest.validation import validate_export
    from rehab.ingest.validation_outputs import write_validation_outputs
    from rehab.workflow.config_check import check_config, schema_default, with_schema_defaults

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    study = Study.from_config(check_config(config, ROOT / "schemas" / "config.schema.yaml"))
    out = folder / "results"
    t0 = time.perf_counter()
    dialect = schema_default(ROOT / "schemas" / "config.schema.yaml", "dialect")  # the export's dialect
    export = with_schema_defaults({"path": str(folder)}, ROOT / "schemas" / "config.schema.yaml", "export")
    results = validate_export(folder, dialect, study, tuple(range(1, 11)), export)
    t1 = time.perf_counter()
    kept_paths = {name: out / "kept" / f"{name}.parquet" for name in RAW_FILES}
    accounting = write_validation_outputs(
        results,
        failures=out / "failures.csv",
        accounting_path=out / "accounting.csv",
        columns=out / "columns.csv",
        quarantine={name: out / "quarantine" / f"{name}.csv" for name in RAW_FILES},
        kept=kept_paths,
    )
    t2 = time.perf_counter()
    del results
    write_clean(
        clean_export(read_kept(kept_paths), study),
        {
            name: out / "clean" / f"{name}.parquet"
            for name in ("patients", "sessions", "session_interventions", "outcomes")
        },
    )
    t3 = time.perf_counter()
    return {
        "read_and_validate_s": round(t1 - t0, 1),
        "write_validation_outputs_s": round(t2 - t1, 1),
        "clean_s": round(t3 - t2, 1),
        "total_s": round(t3 - t0, 1),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2),
        "rows_read": accounting.set_index("file")["rows_read"].to_dict(),
        "rows_quarantined": accounting.set_index("file")["rows_quarantined"].to_dict(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=int, help="cProfile one run of this many patients")
    parser.add_argument("--generator", choices=["numpy", "synthetic"], default="numpy")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if args.profile:
        import cProfile
        import pstats

        folder = OUT / f"validation_{args.profile}"
        if not (folder / "outcomes.csv").exists():
            generate(folder, args.profile)
        cProfile.runctx("measure(folder)", globals(), {"folder": folder, "measure": measure}, str(OUT / "profile.out"))
        pstats.Stats(str(OUT / "profile.out")).sort_stats("cumulative").print_stats(30)
        return
    make = generate if args.generator == "numpy" else generate_with_pipeline
    for n in args.sizes:
        folder = OUT / (f"validation_{n}" if args.generator == "numpy" else f"synthetic_{n}")
        t0 = time.perf_counter()
        if not (folder / "outcomes.csv").exists():
            make(folder, n)
        generated = time.perf_counter() - t0
        run = subprocess.run([sys.executable, __file__, "--measure", str(folder)], capture_output=True, text=True)
        if run.returncode:
            sys.exit(run.stderr)
        figures = json.loads(run.stdout.strip().splitlines()[-1])
        print(json.dumps({"patients": n, "generator": args.generator, "generate_s": round(generated, 1), **figures}))


if __name__ == "__main__":
    main()
