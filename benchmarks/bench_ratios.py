#!/usr/bin/env python3
"""The pipeline's speed as ratios to floors measured in the same run.

Only ratios carry from machine to machine, so each figure comes with its anchor:

(a) the reference cohort from clean (`snakemake --cores N` in a fresh copy of the project)
    against the import floor: one fresh process importing every third-party module the
    workflow's scripts import (read from their import statements) plus what Snakemake's
    script preamble loads; with the run's timeline (each job's start, end and CPU time from
    its benchmark file, and Snakemake's own time before the first job and after the last);
(b) the no-op rerun of the finished reference run against a bare Snakemake no-op (a
    one-rule Snakefile whose output exists);
(c) per size: the whole pipeline after generation on a synthetic cohort against DuckDB
    computing the same core numbers from the same raw CSVs (flow counts, per instrument and
    time point the n and median, the paired change's median, responders; interventions
    per code; sessions per patient), with wall time and peak memory per rule from the
    rules' benchmark files (Snakemake's `benchmark:`) and DuckDB's peak
    (ru_maxrss of its own process).

DuckDB's numbers are checked against the run's numbers.csv (counts and medians, which do
not depend on the quantile method), so the anchor does the same work.

    .venv/bin/python benchmarks/bench_ratios.py                      # reference + 1,000,000
    .venv/bin/python benchmarks/bench_ratios.py --sizes 100000 --cores 4
    .venv/bin/python benchmarks/bench_ratios.py --sizes              # (a) and (b) only
    .venv/bin/python benchmarks/bench_ratios.py --reference-run DIR --sizes   # (b) on a finished run

DuckDB is a benchmark-only dependency: benchmarks/requirements.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "benchmarks")]

from run_pipeline_benchmark import collect_benchmarks, prepare_size  # noqa: E402
from workflow_helpers import copy_project  # noqa: E402

from rehab.core.study import Study  # noqa: E402
from rehab.workflow.code_closure import PROJECT_PACKAGES, imported_modules  # noqa: E402
from rehab.workflow.config_check import check_config  # noqa: E402

DEFAULT_SIZES = [1_000_000]
# What every job's Python process loads before the script: Snakemake's script preamble.
PREAMBLE_MODULES = ["snakemake.logging", "snakemake.iocontainers"]
BARE_SNAKEFILE = 'rule all:\n    input:\n        "present.txt",\n'
CHANGE_DECIMALS = 6  # as rehab.analysis.outcomes: a change is compared at this precision


@dataclass
class Measured:
    wall_s: float
    peak_mb: float
    cpu_s: float  # user + system time of the process and the children it waited for


def measure(command: list[str], cwd: Path, log: Path) -> Measured:
    """Wall time and peak resident memory (ru_maxrss from wait4: the process and the
    children it waited for) of one command; output to `log`; a failure raises with its tail."""
    with log.open("w", encoding="utf-8") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{log.read_text()[-4000:]}")
    return Measured(wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def median_measure(repeat: int, command: list[str], cwd: Path, log: Path) -> Measured:
    runs = [measure(command, cwd, log) for _ in range(repeat)]
    return Measured(
        statistics.median(r.wall_s for r in runs),
        max(r.peak_mb for r in runs),
        statistics.median(r.cpu_s for r in runs),
    )


def snakemake_command(cores: int, *args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", "--cores", str(cores), *args]


# ---------------------------------------------------------------- (a) the import floor


def third_party_modules() -> list[str]:
    """Every third-party module the workflow's scripts and project modules import (at the
    top or inside functions), by its dotted name, plus the script preamble's."""
    names: set[str] = set()
    sources = [*(ROOT / "workflow" / "scripts").rglob("*.py"), *(ROOT / "schemas").glob("*.py")]
    for path in sources:
        names |= imported_modules(path.read_text(encoding="utf-8"), package="rehab")
    stdlib = sys.stdlib_module_names
    third_party = {name for name in names if name.split(".")[0] not in (*PROJECT_PACKAGES, *stdlib)}
    return sorted(third_party | set(PREAMBLE_MODULES))


IMPORT_FLOOR_CODE = """
import importlib, sys

def import_longest_prefix(name):
    # a `from x import y` is read as x.y: import the module itself or its longest importable prefix
    parts = name.split(".")
    while parts:
        try:
            importlib.import_module(".".join(parts))
            return
        except ImportError:
            parts.pop()
        except Exception:  # a module that fails for another reason is left out
            return

for name in sys.argv[1:]:
    import_longest_prefix(name)
"""


def import_floor_command(modules: list[str]) -> list[str]:
    """A fresh interpreter importing each module (a `from x import name` is listed as x.name:
    the longest importable prefix is imported)."""
    return [sys.executable, "-c", IMPORT_FLOOR_CODE, *modules]


# ---------------------------------------------------------------- (c) DuckDB's core numbers


def _responder_sql(study: Study) -> str:
    """A CASE giving 1 where the change is a responder by the instrument's primary definition."""
    cases = []
    for instrument in study.instruments:
        rule = instrument.primary.as_rule()
        improvement = "round(baseline - value, 6)" if rule["direction"] == "decrease" else "round(value - baseline, 6)"
        tests = []
        if rule["absolute"] is not None:
            tests.append(f"{improvement} >= {float(rule['absolute'])}")
        if rule["relative"] is not None:
            relative = f"round({improvement} / nullif(baseline, 0) * 100.0, 6)"
            tests.append(f"coalesce({relative} >= {float(rule['relative'])}, false)")
        joined = (" OR " if rule["combine"] == "either" else " AND ").join(tests)
        cases.append(f"WHEN '{instrument.name}' THEN ({joined})")
    return f"CASE instrument {' '.join(cases)} END"


def duckdb_queries(raw: Path, study: Study) -> dict[str, str]:
    """The SQL of each group of core numbers, from the raw CSVs of a (clean) synthetic export."""
    instruments = ", ".join(f'"{name}"' for name in study.instrument_names)
    types = ", ".join(f"'{name}': 'DOUBLE'" for name in study.instrument_names)
    baseline = study.baseline.name
    any_present = " OR ".join(f'"{name}" IS NOT NULL' for name in study.instrument_names)
    return {
        "views": f"""
            CREATE VIEW patients AS SELECT patient_id FROM read_csv('{raw / "patients.csv"}', header = true);
            CREATE VIEW sessions AS SELECT patient_id, interventions
                FROM read_csv('{raw / "sessions.csv"}', header = true, types = {{'interventions': 'VARCHAR'}});
            CREATE TABLE outcomes AS SELECT patient_id, timepoint, {instruments}
                FROM read_csv('{raw / "outcomes.csv"}', header = true, types = {{{types}}});
            CREATE TABLE long AS SELECT patient_id, timepoint, instrument, value
                FROM (UNPIVOT outcomes ON {instruments} INTO NAME instrument VALUE value);
        """,
        "flow": f"""
            SELECT 'flow.patients' AS key, count(*)::DOUBLE AS value FROM patients
            UNION ALL SELECT 'flow.visits', count(*) FROM sessions
            UNION ALL SELECT 'flow.with_sessions', count(DISTINCT patient_id) FROM sessions
            UNION ALL SELECT 'flow.with_' || timepoint, count(DISTINCT patient_id)
                FROM outcomes WHERE {any_present} GROUP BY timepoint
        """,
        "outcomes": """
            SELECT instrument, timepoint, count(*) AS n, median(value) AS median,
                   quantile_cont(value, [0.25, 0.75]) AS quartiles
            FROM long GROUP BY instrument, timepoint
        """,
        "changes": f"""
            WITH base AS (SELECT patient_id, instrument, value AS baseline FROM long WHERE timepoint = '{baseline}'),
                 pairs AS (SELECT * FROM long JOIN base USING (patient_id, instrument) WHERE timepoint <> '{baseline}')
            SELECT instrument, timepoint, count(*) AS n,
                   median(round(value - baseline, {CHANGE_DECIMALS})) AS median,
                   count_if({_responder_sql(study)}) AS n_responders
            FROM pairs GROUP BY instrument, timepoint
        """,
        "interventions": """
            WITH visits AS (SELECT row_number() OVER () AS visit, patient_id, interventions FROM sessions),
                 codes AS (SELECT visit, patient_id, trim(unnest(string_split(interventions, ';'))) AS code
                           FROM visits)
            SELECT code, count(DISTINCT visit) AS n_visits, count(DISTINCT patient_id) AS n_patients
            FROM codes WHERE code <> '' GROUP BY code
        """,
        "sessions": """
            WITH per_patient AS (SELECT patient_id, count(*) AS n FROM sessions GROUP BY patient_id)
            SELECT count(*) AS n, median(coalesce(n, 0)) AS median,
                   quantile_cont(coalesce(n, 0), [0.25, 0.75]) AS quartiles
            FROM patients LEFT JOIN per_patient USING (patient_id)
        """,
    }


DUCKDB_CHILD = textwrap.dedent(
    """
    import json, sys
    import duckdb
    queries_path, threads, out = sys.argv[1:]
    queries = json.load(open(queries_path, encoding="utf-8"))
    connection = duckdb.connect()
    connection.execute(f"SET threads TO {int(threads)}")
    connection.execute(queries.pop("views"))
    rows = {name: connection.execute(sql).fetchall() for name, sql in queries.items()}
    json.dump(rows, open(out, "w", encoding="utf-8"))
    """
)


def duckdb_command(queries: Path, threads: int, out: Path) -> list[str]:
    """A fresh interpreter that imports only duckdb and runs the queries (its peak is DuckDB's)."""
    return [sys.executable, "-c", DUCKDB_CHILD, str(queries), str(threads), str(out)]


def core_numbers(rows: dict[str, list], study: Study) -> dict[str, float]:
    """DuckDB's result rows keyed as in numbers.csv, where the pipeline has the same key."""
    numbers = {key: value for key, value in rows["flow"]}
    baseline = study.baseline.name
    for instrument, timepoint, n, median, _quartiles in rows["outcomes"]:
        numbers[f"outcomes.{instrument}.{timepoint}.n"] = n
        numbers[f"outcomes.{instrument}.{timepoint}.median"] = median
        if timepoint == baseline:
            numbers[f"baseline.{instrument}.valid_n"] = n
            numbers[f"baseline.{instrument}.median"] = median
    for instrument, timepoint, n, median, responders in rows["changes"]:
        numbers[f"outcomes.{instrument}.{timepoint}.change.n"] = n
        numbers[f"outcomes.{instrument}.{timepoint}.change.median"] = median
        numbers[f"responders.{instrument}.{timepoint}.n_evaluable"] = n
        numbers[f"responders.{instrument}.{timepoint}.n_responders"] = responders
    for code, n_visits, n_patients in rows["interventions"]:
        numbers[f"interventions.{code}.n_visits"] = n_visits
        numbers[f"interventions.{code}.n_patients"] = n_patients
    ((n, median, _quartiles),) = rows["sessions"]
    numbers["program.sessions.n"], numbers["program.sessions.median"] = n, median
    return {key: float(value) for key, value in numbers.items()}


def compare_with_pipeline(duckdb_numbers: dict[str, float], numbers_csv: Path) -> list[str]:
    """Keys where DuckDB and numbers.csv differ (beyond float noise); [] when they agree."""
    frame = pd.read_csv(numbers_csv, dtype=str, keep_default_na=False).set_index("key")["value"]
    differing = []
    for key, value in sorted(duckdb_numbers.items()):
        if key not in frame.index:
            differing.append(f"{key}: not in numbers.csv")
        elif frame[key] == "" or abs(float(frame[key]) - value) > 1e-9 * max(1.0, abs(value)):
            differing.append(f"{key}: pipeline {frame[key]!r}, DuckDB {value!r}")
    return differing


def run_duckdb(workdir: Path, cohort: str, threads: int, logs: Path) -> tuple[Measured, int, list[str]]:
    """DuckDB's run on the cohort's raw CSVs, the number of keys checked, and any disagreement."""
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text(encoding="utf-8"))
    study = Study.from_config(check_config(config, workdir / "schemas" / "config.schema.yaml"), cohort)
    queries, out = logs / f"duckdb_{cohort}_queries.json", logs / f"duckdb_{cohort}_rows.json"
    queries.write_text(json.dumps(duckdb_queries(workdir / "results" / cohort / "raw", study)), encoding="utf-8")
    measured = measure(duckdb_command(queries, threads, out), logs, logs / f"duckdb_{cohort}.log")
    numbers = core_numbers(json.loads(out.read_text(encoding="utf-8")), study)
    return measured, len(numbers), compare_with_pipeline(numbers, workdir / "results" / cohort / "numbers.csv")


# ---------------------------------------------------------------- the parts


def reference_from_clean(workroot: Path, cores: int) -> tuple[Path, Measured, float]:
    """The reference run from clean in a fresh copy of the project, and when it started (epoch s)."""
    workdir = workroot / "reference"
    if workdir.exists():
        shutil.rmtree(workdir)
    copy_project(workdir)
    started = time.time()
    return workdir, measure(snakemake_command(cores), workdir, workroot / "reference_run.log"), started


def timeline(benchmarks: Path, started: float, wall_s: float) -> pd.DataFrame:
    """Each job of a run from its Snakemake benchmark file: its start and end (s after the
    run started; the file is written as the job ends, so its time is the end) and its CPU
    time, in the order the jobs started; then Snakemake's own share before the first job
    and after the last."""
    rows = []
    for path in sorted(benchmarks.glob("*.tsv")):
        record = pd.read_csv(path, sep="\t").iloc[0]
        end = path.stat().st_mtime - started
        rows.append({"rule": path.stem, "start_s": end - float(record["s"]), "end_s": end, "cpu_s": record["cpu_time"]})
    jobs = pd.DataFrame(rows).sort_values("start_s", ignore_index=True)
    edges = pd.DataFrame(
        [
            {"rule": "(Snakemake before the first job)", "start_s": 0.0, "end_s": jobs["start_s"].min()},
            {"rule": "(Snakemake after the last job)", "start_s": jobs["end_s"].max(), "end_s": wall_s},
        ]
    )
    return pd.concat([jobs, edges], ignore_index=True).round(2)


def bare_noop(workroot: Path, cores: int, repeat: int) -> Measured:
    folder = workroot / "bare"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Snakefile").write_text(BARE_SNAKEFILE, encoding="utf-8")
    (folder / "present.txt").write_text("", encoding="utf-8")
    return median_measure(repeat, snakemake_command(cores), folder, workroot / "bare_noop.log")


def scale_run(size: int, workroot: Path, cores: int) -> dict:
    """Generate a cohort, then time the rest of the pipeline and DuckDB on the same CSVs."""
    workdir, cohort = prepare_size(size, workroot)
    raw = [f"results/{cohort}/raw/{name}.csv" for name in ("patients", "sessions", "outcomes")]
    measure(snakemake_command(cores, *raw), workdir, workroot / f"generate_{size}.log")
    pipeline = measure(snakemake_command(cores), workdir, workroot / f"pipeline_{size}.log")
    per_rule = collect_benchmarks(workdir / "results" / cohort / "benchmarks", size)
    per_rule = per_rule[per_rule["rule"] != "generate_synthetic_cohort"]
    duckdb, checked, differing = run_duckdb(workdir, cohort, cores, workroot)
    return {"size": size, "pipeline": pipeline, "per_rule": per_rule, "duckdb": duckdb, "checked": checked,
            "differing": differing}  # fmt: skip


# ---------------------------------------------------------------- report


def ratio(value: float, anchor: float) -> float:
    return round(value / anchor, 2) if anchor > 0 else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=DEFAULT_SIZES, help="cohort sizes for (c); none: skip")
    parser.add_argument("--cores", type=int, default=4, help="snakemake --cores and DuckDB threads (default 4)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each short measurement (median taken)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "out" / "ratios")
    parser.add_argument(
        "--reference-run", type=Path, help="a finished run of the project: (b) on it, (a) not run from clean"
    )
    args = parser.parse_args(argv)

    workroot = args.workdir.resolve()
    workroot.mkdir(parents=True, exist_ok=True)
    rows = []

    modules = third_party_modules()
    floor = median_measure(args.repeat, import_floor_command(modules), workroot, workroot / "import_floor.log")
    print(
        f"import floor: {len(modules)} modules in one process: {floor.wall_s:.2f} s wall, "
        f"{floor.cpu_s:.2f} s CPU, {floor.peak_mb:.0f} MB"
    )
    if args.reference_run:
        reference_dir = args.reference_run.resolve()
        print("(a) reference run from clean: not measured (--reference-run)")
    else:
        reference_dir, reference, started = reference_from_clean(workroot, args.cores)
        rows.append(("(a) reference run from clean / import floor, wall s", reference.wall_s, floor.wall_s))
        rows.append(("(a) reference run from clean / import floor, CPU s", reference.cpu_s, floor.cpu_s))
        for cohort in yaml.safe_load((reference_dir / "config" / "config.yaml").read_text(encoding="utf-8"))["cohorts"]:
            jobs = timeline(reference_dir / "results" / cohort / "benchmarks", started, reference.wall_s)
            jobs.to_csv(workroot / f"timeline_{cohort}.csv", index=False)
            print(f"(a) the run's timeline ({cohort}):\n{jobs.to_string(index=False)}")
    cohorts = yaml.safe_load((reference_dir / "config" / "config.yaml").read_text(encoding="utf-8"))["cohorts"]

    bare = bare_noop(workroot, args.cores, args.repeat)
    noop = median_measure(args.repeat, snakemake_command(args.cores), reference_dir, workroot / "noop.log")
    rows.append(("(b) no-op rerun / bare Snakemake no-op, wall s", noop.wall_s, bare.wall_s))
    rows.append(("(b) no-op rerun / bare Snakemake no-op, CPU s", noop.cpu_s, bare.cpu_s))

    for cohort in cohorts:
        if (reference_dir / "results" / cohort / "raw").is_dir():
            measured, checked, differing = run_duckdb(reference_dir, cohort, args.cores, workroot)
            print(f"DuckDB on {cohort}: {measured.wall_s:.2f} s; {checked} core numbers checked against numbers.csv")
            for line in differing:
                print(f"  DuckDB differs: {line}")

    per_rule_all = []
    for size in args.sizes:
        result = scale_run(size, workroot, args.cores)
        pipeline, duckdb, per_rule = result["pipeline"], result["duckdb"], result["per_rule"]
        per_rule_all.append(per_rule)
        rows.append((f"(c) {size:,} patients after generation / DuckDB, wall s", pipeline.wall_s, duckdb.wall_s))
        rows.append((f"(c) {size:,} patients after generation / DuckDB, CPU s", pipeline.cpu_s, duckdb.cpu_s))
        largest = per_rule["max_rss_mb"].max()
        rows.append((f"(c) {size:,} patients, largest rule peak / DuckDB peak, MB", largest, duckdb.peak_mb))
        print(f"{size:,} patients: DuckDB checked {result['checked']} core numbers against numbers.csv")
        for line in result["differing"]:
            print(f"  DuckDB differs: {line}")

    table = pd.DataFrame(rows, columns=["measure", "value", "anchor"])
    table["ratio"] = [ratio(value, anchor) for value, anchor in zip(table["value"], table["anchor"], strict=True)]
    table["value"], table["anchor"] = table["value"].round(2), table["anchor"].round(2)
    table.to_csv(workroot / "ratios.csv", index=False)
    print(table.to_string(index=False))
    if per_rule_all:
        per_rule = pd.concat(per_rule_all, ignore_index=True).sort_values(["n_patients", "wall_s"], ascending=False)
        per_rule.to_csv(workroot / "per_rule.csv", index=False)
        print(per_rule.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
