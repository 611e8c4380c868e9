"""A stage: several steps of the workflow run in ONE Snakemake job, in one process.

Starting a Python process and importing the data stack costs more than most steps on a
small cohort, so the steps that always run together share a job. Each step keeps its named
inputs, outputs and params and its own log (`logs/<step>.log`); the stage rule has one
benchmark (Snakemake's `benchmark:`). The stage rule's names are `<step>__<name>`, derived
from the stage's declaration in its .smk file by the helpers of workflow/rules/common.smk.
A step function receives a `StepView` with `.input`, `.output`, `.params`, `.log` and
`.rule`, as a rule's script receives the `snakemake` object.

A failing step ends the job as `rehab.workflow.script_support.run` ends a rule's: the
project's message (PipelineError) or the traceback (anything else) in that step's log; the
steps after it do not run, the files of the steps before it stay until Snakemake removes the
failed job's outputs.
"""

from __future__ import annotations

import logging
import struct
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from rehab.workflow.script_support import run_logged, start_log

SEPARATOR = "__"  # a stage rule's name for a step's file or param: <step>__<name>
STEPS = "steps"  # param: the step names, in the order they run
INTERNAL_INPUTS = "internal_inputs"  # param: {step: {input name: flat name of an earlier step's output}}


class Named(list):
    """Values by position and by name, as Snakemake's Namedlist: `files[0]`, `files["table"]`,
    `files.table`."""

    def __init__(self, items: Mapping[str, Any] | None = None):
        items = dict(items or {})
        super().__init__(items.values())
        self._names = items

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_names"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return self._names[key]
        return super().__getitem__(key)

    def keys(self):
        return self._names.keys()

    def items(self):
        return self._names.items()


@dataclass(frozen=True)
class StepView:
    """What one step sees of its stage's job: as the `snakemake` object of a rule of its own."""

    rule: str  # the stage rule
    step: str
    input: Named
    output: Named
    params: Named
    log: Named  # the step's log file


def _part(named: Any, step: str) -> dict[str, Any]:
    """The entries `<step>__<name>` of a Snakemake Namedlist (or a mapping), as {name: value}."""
    prefix = step + SEPARATOR
    return {name[len(prefix) :]: value for name, value in named.items() if name.startswith(prefix)}


def step_views(snakemake: Any) -> list[StepView]:
    """One view per step of the stage's job, in the declared order."""
    internal = dict(getattr(snakemake.params, INTERNAL_INPUTS, None) or {})
    logs = dict(snakemake.log.items())
    views = []
    for step in snakemake.params[STEPS]:
        inputs = _part(snakemake.input, step)
        inputs |= {name: snakemake.output[flat] for name, flat in internal.get(step, {}).items()}
        views.append(
            StepView(
                rule=snakemake.rule,
                step=step,
                input=Named(inputs),
                output=Named(_part(snakemake.output, step)),
                params=Named(_part(snakemake.params, step)),
                log=Named({"log": logs[step]}) if step in logs else Named(),
            )
        )
    return views


def run_step(view: StepView, function: Callable[[StepView], None]) -> None:
    """Run one step, logging to its own log. A failure logs its message (or traceback) there
    and ends the process, as rehab.workflow.script_support.run."""
    log_path = view.log[0] if len(view.log) else None
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    start_log(log_path, view.rule, view.step)
    run_logged(lambda: function(view), view.rule, view.step)


def run_stage(snakemake: Any, steps: ModuleType | Mapping[str, Callable[[StepView], None]]) -> None:
    """Run the stage's steps in order, each by the function of its name (a module's
    attribute or a mapping's entry), each with its own log."""
    views = step_views(snakemake)
    omitted = set(getattr(snakemake.params, "omitted", None) or ())
    functions = [omit_step if view.step in omitted else _function(steps, view.step) for view in views]
    for view, function in zip(views, functions, strict=True):
        run_step(view, function)


OMITTED = "omitted: the cohort has no visit file (export.visits: false)"


def omit_step(view: StepView) -> None:
    """A step the cohort's export cannot feed: each output says so, in a form its readers take
    (a numbers fragment without keys, a one-cell table, a figure with the sentence)."""
    from rehab.core.safe_io import write_bytes, write_text

    logging.getLogger("rehab").warning("step %s %s", view.step, OMITTED)
    for _, path in view.output.items():
        suffix = Path(path).suffix
        if suffix == ".png":
            write_bytes(_blank_png(), path)
        elif suffix == ".svg":
            write_text(
                f'<svg xmlns="http://www.w3.org/2000/svg" width="480" height="40"><text x="8" y="24">{OMITTED}</text></svg>\n',
                path,
            )
        elif Path(path).parent.name == "numbers":
            write_text("key,value\n", path)
        else:
            write_text(f"note\n{OMITTED}\n", path)


def _blank_png() -> bytes:
    """A 1×1 white PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff")) + chunk(b"IEND", b"")
    )


def _function(steps: ModuleType | Mapping[str, Callable], name: str) -> Callable[[StepView], None]:
    function = steps.get(name) if isinstance(steps, Mapping) else getattr(steps, name, None)
    if function is None:
        raise LookupError(f"no function for step {name}")  # a workflow bug: the declaration names it
    return function
