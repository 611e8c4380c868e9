"""A stage runs its steps in one process (rehab.workflow.stages): each step sees only its own files and
params, logs to its own log (its first line naming the rule and step), and a failing step
stops the job with its message in its own log, the earlier steps' files kept."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from rehab.core.errors import PipelineError
from rehab.core.privacy import REDACTED
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
    logs = {step: str(tmp_path / "logs" / f"{step}.log") for step in steps}
    return SimpleNamespace(
        rule="demo_stage",
        input=Named({"first__raw": "raw.csv", "second__raw": "other.csv"}),
        output=Named(outputs),
        params=Named(
            {
                "code": "0123456789abcdef",
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
    """A step's log after its first line, which names the rule and step."""
    first, *rest = (tmp_path / "logs" / f"{step}.log").read_text(encoding="utf-8").splitlines(keepends=True)
    assert first == f"INFO rule demo_stage, step {step}\n"
    return "".join(rest)


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
    assert (tmp_path / "first.csv").is_file() and not (tmp_path / "second.csv").exists()
    assert not (tmp_path / "third.csv").exists() and not (tmp_path / "logs" / "third.log").exists()
    assert "has no start" not in capsys.readouterr().err  # printed once, from the log, at the run's end


def test_an_unexpected_error_keeps_its_traceback_in_the_steps_log(tmp_path):
    with pytest.raises(SystemExit):
        run_stage(stage_job(tmp_path), failing_second_step(KeyError(PIN)))
    logged = read_log(tmp_path, "second")
    assert "ERROR Unexpected error in rule demo_stage, step second:\nTraceback" in logged
    assert "KeyError" in logged and PIN not in logged
