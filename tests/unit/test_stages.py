"""A stage runs its steps in one process (rehab.workflow.stages): each step sees only its own files and
params, logs to its own log, gets its own benchmark in Snakemake's format, and a failing
step stops the job with its message in its own log, the earlier steps' files kept."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from snakemake.benchmark import BenchmarkRecord

from rehab.core.errors import PipelineError
from rehab.core.privacy import REDACTED
from rehab.workflow.job_benchmark import BENCHMARK_COLUMNS, Usage, benchmark_record
from rehab.workflow.stages import Named, run_stage, step_views

PIN = "19551616-1616"
STEPS = ["first", "second", "third"]


@pytest.fixture(autouse=True)
def _restore_logging():
    yield
    for handler in logging.getLogger().handlers:
        handler.close()
    logging.getLogger().handlers.clear()


def stage_job(tmp_path: Path, steps=STEPS) -> SimpleNamespace:
    """A stage job as Snakemake hands it to the script: flat <step>__<name> entries."""
    outputs = {f"{step}__table": str(tmp_path / f"{step}.csv") for step in steps}
    logs = {}
    for step in steps:
        logs[step] = str(tmp_path / "logs" / f"{step}.log")
        logs[f"{step}__benchmark"] = str(tmp_path / "benchmarks" / f"{step}.tsv")
    return SimpleNamespace(
        rule="demo_stage",
        input=Named({"first__raw": "raw.csv", "second__raw": "other.csv", "code": ["rehab/x.py"]}),
        output=Named(outputs),
        params=Named(
            {
                "first__level": 0.95,
                "third__level": 0.9,
                "steps": list(steps),
                "internal_inputs": {"second": {"previous": "first__table"}},
            }
        ),
        log=Named(logs),
    )


def writes_its_table(step):
    logging.getLogger("rehab.demo").info("step %s writes", step.step)
    Path(step.output.table).write_text(step.step, encoding="utf-8")


def read_log(tmp_path: Path, step: str) -> str:
    return (tmp_path / "logs" / f"{step}.log").read_text(encoding="utf-8")


def test_each_step_sees_only_its_own_files_and_params(tmp_path):
    first, second, third = step_views(stage_job(tmp_path))
    assert (first.step, second.step, third.step) == tuple(STEPS)
    assert dict(first.input.items()) == {"raw": "raw.csv"}
    assert first.input.raw == first.input["raw"] == first.input[0] == "raw.csv"
    assert dict(first.params.items()) == {"level": 0.95} and third.params.level == 0.9
    assert dict(third.input.items()) == {} and dict(second.params.items()) == {}
    # an input that an earlier step of the stage writes comes from that step's output
    assert dict(second.input.items()) == {"raw": "other.csv", "previous": str(tmp_path / "first.csv")}
    assert second.output.table == str(tmp_path / "second.csv")
    assert second.log[0] == str(tmp_path / "logs" / "second.log")
    assert second.benchmark == str(tmp_path / "benchmarks" / "second.tsv")
    assert second.rule == "demo_stage"
    with pytest.raises(AttributeError):
        _ = first.output.numbers


def test_each_step_logs_to_its_own_log(tmp_path):
    run_stage(stage_job(tmp_path), dict.fromkeys(STEPS, writes_its_table))
    for step in STEPS:
        assert read_log(tmp_path, step) == f"INFO step {step} writes\n"
        assert (tmp_path / f"{step}.csv").read_text(encoding="utf-8") == step


def test_steps_run_by_the_functions_of_a_module_named_after_them(tmp_path):
    module = SimpleNamespace(**dict.fromkeys(STEPS, writes_its_table))
    run_stage(stage_job(tmp_path), module)
    assert all((tmp_path / f"{step}.csv").is_file() for step in STEPS)


def test_a_step_without_a_function_stops_the_stage_before_any_step_runs(tmp_path):
    with pytest.raises(LookupError, match="third"):
        run_stage(stage_job(tmp_path), {"first": writes_its_table, "second": writes_its_table})
    assert not (tmp_path / "first.csv").exists()


def busy(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_each_step_gets_a_benchmark_in_snakemakes_format(tmp_path):
    def first(step):
        busy(0.2)

    def second(step):
        time.sleep(0.3)

    run_stage(stage_job(tmp_path, ["first", "second"]), {"first": first, "second": second})
    records = {}
    for step in ("first", "second"):
        header, values, *rest = (tmp_path / "benchmarks" / f"{step}.tsv").read_text(encoding="utf-8").splitlines()
        assert header.split("\t") == BenchmarkRecord.get_header() == list(BENCHMARK_COLUMNS)
        assert rest == []
        records[step] = dict(zip(BENCHMARK_COLUMNS, values.split("\t"), strict=True))
    busy_step, sleeping = records["first"], records["second"]
    assert 0.2 <= float(busy_step["cpu_time"]) <= float(busy_step["s"]) + 0.05
    assert float(sleeping["s"]) >= 0.3 and float(sleeping["cpu_time"]) < 0.1
    assert float(busy_step["mean_load"]) > 50 > float(sleeping["mean_load"])
    assert sleeping["h:m:s"] == "0:00:00"
    # the process's peak so far: never below an earlier step's
    assert float(sleeping["max_rss"]) >= float(busy_step["max_rss"]) > 0
    for record in records.values():
        assert record["max_vms"] == record["max_uss"] == record["max_pss"] == "NA"
        assert all(record[column] == "NA" or float(record[column]) >= 0 for column in ("io_in", "io_out"))


def test_a_benchmark_record_as_snakemake_formats_one():
    start = Usage(wall=10.0, cpu=1.0, max_rss_mb=100.0, read_bytes=0, written_bytes=1024 * 1024)
    end = Usage(wall=3733.123456, cpu=1801.0, max_rss_mb=250.5, read_bytes=3 * 1024 * 1024, written_bytes=None)
    assert benchmark_record(start, end) == {
        "s": "3723.12",
        "h:m:s": "1:02:03",
        "max_rss": "250.50",
        "max_vms": "NA",
        "max_uss": "NA",
        "max_pss": "NA",
        "io_in": "3.00",
        "io_out": "NA",
        "mean_load": "48.35",
        "cpu_time": "1800.00",
    }


def failing_second_step(error):
    def second(step):
        logging.getLogger("rehab.demo").info("reading %s", PIN)
        raise error

    return {"first": writes_its_table, "second": second, "third": writes_its_table}


def test_a_failing_step_stops_the_job_with_its_message_in_its_own_log(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        run_stage(stage_job(tmp_path), failing_second_step(PipelineError(f"patient {PIN} has no start")))
    assert stopped.value.code == 1
    assert read_log(tmp_path, "second") == f"INFO reading {REDACTED}\nERROR patient {REDACTED} has no start\n"
    assert read_log(tmp_path, "first") == "INFO step first writes\n"
    # the earlier step's files stay; the step that failed and those after it leave no trace
    assert (tmp_path / "first.csv").is_file() and (tmp_path / "benchmarks" / "first.tsv").is_file()
    assert not (tmp_path / "benchmarks" / "second.tsv").exists()
    assert not (tmp_path / "third.csv").exists() and not (tmp_path / "logs" / "third.log").exists()
    assert "has no start" not in capsys.readouterr().err  # printed once, from the log, at the run's end


def test_an_unexpected_error_keeps_its_traceback_in_the_steps_log(tmp_path):
    with pytest.raises(SystemExit):
        run_stage(stage_job(tmp_path), failing_second_step(KeyError(PIN)))
    logged = read_log(tmp_path, "second")
    assert "ERROR Unexpected error in rule demo_stage, step second:\nTraceback" in logged
    assert "KeyError" in logged and PIN not in logged


JOB_SCRIPT = """
import logging, sys
from types import SimpleNamespace
from rehab.workflow.script_support import run

snakemake = SimpleNamespace(log=[sys.argv[1]], rule="demo")  # as Snakemake's script preamble defines it


def main(job):
    logging.getLogger("rehab.demo").info("wrote the table")
    print("printed by the job", flush=False)


run(snakemake, main)
print("after run: the teardown would follow")
"""


def test_a_finished_job_process_ends_at_once_with_its_log_and_output_flushed(tmp_path):
    log_path = tmp_path / "job.log"
    result = subprocess.run(
        [sys.executable, "-c", JOB_SCRIPT, str(log_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "printed by the job\n"  # flushed; nothing after run() ran
    assert log_path.read_text(encoding="utf-8") == "INFO wrote the table\n"


def test_a_stage_called_from_a_test_returns(tmp_path):
    run_stage(stage_job(tmp_path), dict.fromkeys(STEPS, writes_its_table))
    assert (tmp_path / "third.csv").exists()  # still running: only a job's own process ends early
