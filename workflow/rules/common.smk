# Shared helpers: config validation, cohort lookup and the paths every stage uses.

import atexit
import gc
import os
import re
import sys
import threading
from pathlib import Path

# The library is installed with the project (pyproject.toml; README's setup command).
from rehab.workflow.code_closure import script_closure
from rehab.workflow.comparison_name import comparison_name
from rehab.workflow.config_check import check_config, ConfigError
from rehab.core.errors import RawExportError
from rehab.core.privacy import mask_text
from rehab.ingest.export_files import DEFAULT_MAX_RECORD_LINES, check_file_present
from rehab.workflow import job_server
from rehab.workflow.run_messages import ScriptExitFilter, failure_report, run_summary
from rehab.workflow.stages import BENCHMARK, SEPARATOR as STEP_SEPARATOR
from rehab.core.study import Study, StudyDeclarationError, declaration, measurement_declaration

PROJECT_ROOT = Path(workflow.basedir)

# Pandera imports hypothesis (a test dependency, in the same pins) whenever it is installed,
# and hypothesis then runs every installed package's plugin hook (trio's, from the browser
# tests' selenium): a quarter second in each job that validates. The pipeline never draws
# test data, so its jobs (children of this process, or SLURM jobs exporting the environment)
# skip the hooks, through hypothesis' own switch. A value set by the user is kept.
os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")

# At its exit, Snakemake's process searched its ~130,000 objects for reference cycles before
# releasing them: 0.2-0.4 s of every run, no-op included. The search is skipped (gc.freeze);
# the objects are released all the same. Registered last, this runs before the handlers
# registered earlier (logging's, which flushes and closes the log files).
atexit.register(gc.freeze)

try:
    check_config(config, PROJECT_ROOT / "schemas" / "config.schema.yaml", workflow.configfiles, "results")
except ConfigError as error:
    raise WorkflowError(mask_text(str(error))) from None


RAW_FILES = ["patients", "sessions", "outcomes"]
SCRIPTS = PROJECT_ROOT / "workflow" / "scripts"


def script_code(script):
    """Every project module (rehab, schemas) the rule's script imports, directly or through
    other modules, read from the import statements themselves (rehab.workflow.code_closure): as
    inputs, so that editing any of them reruns the rule, and the list cannot drift."""
    return [project_file(path) for path in script_closure(SCRIPTS / script, [SCRIPTS, PROJECT_ROOT])]


def project_file(path):
    """A file of the project as a rule's input: relative when Snakemake runs in the project
    folder, so that a moved or copied project (with its .snakemake folder) does not rerun
    rules for a changed set of input files; absolute otherwise."""
    absolute = PROJECT_ROOT / path
    if not RUNS_IN_PROJECT:
        return str(absolute)
    return _project_path(absolute)


RUNS_IN_PROJECT = Path.cwd().resolve() == PROJECT_ROOT.resolve()


def active_cohorts():
    return config["active_cohorts"] or list(config["cohorts"])


def cohort_config(cohort):
    return config["cohorts"][cohort]


def study_declaration(cohort):
    """The cohort's study declaration (instruments, timepoints, subgroups) as plain data:
    a rule's param, so a change of the declaration reruns what uses it."""
    return declaration(config, cohort)


def get_study(wildcards):
    return study_declaration(wildcards.cohort)


def get_study_measures(wildcards):
    """The declaration without responder definitions and subgroups, for the rules that do
    not use them (validation, cleaning, Table 2, Table 4, flow): a threshold change does
    not rerun them."""
    return measurement_declaration(study_declaration(wildcards.cohort))


def get_quantile_method(wildcards):
    return quantile_method(wildcards.cohort)


def check_study_declarations():
    """Stop at start, naming the config key, when a cohort's study declaration is inconsistent."""
    for cohort in active_cohorts():
        try:
            Study.from_config(config, cohort)
        except StudyDeclarationError as error:
            raise WorkflowError(str(error)) from None


def is_synthetic(cohort):
    return "synthetic" in cohort_config(cohort)


def raw_export_dir(cohort):
    """Folder of a cohort's raw export: generated for synthetic cohorts, configured otherwise."""
    if is_synthetic(cohort):
        return f"results/{cohort}/raw"
    path = Path(cohort_config(cohort)["export"]["path"])
    return str(path) if path.is_absolute() else project_file(path)


def raw_export_files_of(cohort):
    folder = raw_export_dir(cohort)
    return {name: f"{folder}/{name}.csv" for name in RAW_FILES}


def raw_export_files(wildcards):
    return raw_export_files_of(wildcards.cohort)


def raw_files_to_validate(wildcards):
    """All three raw files for a synthetic cohort (generated upstream); for an export only
    those that exist, so that a missing file stops with the validation's own message
    (RawExportError naming the file and the fix), not Snakemake's "missing input"."""
    return {
        name: path
        for name, path in raw_export_files(wildcards).items()
        if is_synthetic(wildcards.cohort) or Path(path).exists()
    }


def dialect(cohort):
    if is_synthetic(cohort):
        return {"separator": ",", "decimal": ".", "encoding": "utf-8", "missing_values": []}
    return cohort_config(cohort)["export"]["dialect"]


def max_record_lines(cohort):
    """The most physical lines one record may span (synthetic cohorts too: their files are read alike)."""
    return cohort_config(cohort).get("max_record_lines", DEFAULT_MAX_RECORD_LINES)


def quantile_method(cohort):
    return cohort_config(cohort).get("quantile_method", config["analysis"]["quantile_method"])


def check_export_folders():
    """Stop at once, before any job, when an active export cohort lacks one of its files."""
    for cohort in active_cohorts():
        if is_synthetic(cohort):
            continue
        for path in raw_export_files_of(cohort).values():
            try:
                check_file_present(path, cohort)
            except RawExportError as error:
                raise WorkflowError(mask_text(str(error))) from None


def comparison_dir():
    """This run's comparison folder: named by config `comparison_name`, else by the compared
    cohorts, so that runs of other cohorts do not overwrite it."""
    return f"results/comparison/{comparison_name(config.get('comparison_name'), active_cohorts())}"


def all_targets():
    targets = [f"results/{cohort}/report.html" for cohort in active_cohorts()]
    targets.append(f"{comparison_dir()}/report.html")
    return targets


def failed_jobs():
    """(rule, log paths, cohort or None) of each job that failed in this run, from Snakemake's
    scheduler; none if a later Snakemake keeps them elsewhere (its own error report remains)."""
    scheduler = getattr(workflow, "scheduler", None)
    return [
        (
            job.name,
            [str(path) for path in job.log if str(path).endswith(".log")],  # a stage's step benchmarks left out
            (getattr(job, "wildcards_dict", None) or {}).get("cohort"),
        )
        for job in getattr(scheduler, "failed", ())
    ]


# --- stages: several steps in one job (rehab.workflow.stages) ---
#
# A stage declares its steps once, as data: {step: {"input": {...}, "output": {...},
# "params": {...}}}. Its rule's input, output, log and params are derived from that, each
# step's entries named <step>__<name>; each step keeps the log and benchmark file that a rule
# of its own had (logs/<step>.log, benchmarks/<step>.tsv). A step input that is an output
# of an earlier step of the same stage is passed inside the job (param internal_inputs), not
# as a rule input (which would make the rule depend on itself).


def _step_entries(steps, kind):
    return {
        f"{step}{STEP_SEPARATOR}{name}": value
        for step, declared in steps.items()
        for name, value in declared.get(kind, {}).items()
    }


def _stage_outputs(steps):
    return {str(path): name for name, path in _step_entries(steps, "output").items()}


def stage_input(steps):
    """The rule's inputs: every step's, except those an earlier step of the stage writes."""
    produced = _stage_outputs(steps)
    return {name: path for name, path in _step_entries(steps, "input").items() if str(path) not in produced}


def stage_output(steps):
    return _step_entries(steps, "output")


def stage_log(steps):
    """Each step's log and its benchmark file (written by rehab.workflow.stages), at their rule-era paths."""
    logs = {}
    for step in steps:
        logs[step] = f"results/{{cohort}}/logs/{step}.log"
        logs[f"{step}{STEP_SEPARATOR}{BENCHMARK}"] = f"results/{{cohort}}/benchmarks/{step}.tsv"
    return logs


def stage_params(steps):
    """Every step's params, the step order and the inputs passed from step to step."""
    produced = _stage_outputs(steps)
    internal = {
        step: {name: produced[str(path)] for name, path in declared.get("input", {}).items() if str(path) in produced}
        for step, declared in steps.items()
    }
    order = list(steps)
    for step, links in internal.items():
        for flat in links.values():
            writer = flat.split(STEP_SEPARATOR, 1)[0]
            if order.index(writer) >= order.index(step):
                raise WorkflowError(f"stage step {step} reads an output of {writer}, which runs after it")
    return {
        **_step_entries(steps, "params"),
        "steps": list(steps),
        "internal_inputs": {step: links for step, links in internal.items() if links},
    }


# --- figures and report ---


def responder_labels():
    """Instrument -> label of the default study (the figures' legend until they read the study)."""
    return {name: spec["label"] for name, spec in config["study"]["instruments"].items()}


def table_report(name):
    """A table of the report (tables/<name>.csv), also in Snakemake's report with its caption."""
    return report(f"results/{{cohort}}/tables/{name}.csv", category="Tables", caption=f"../report/{name}.rst")


def cancel_rescheduling_timers():
    """At the run's end: cancel the timers Snakemake's scheduler arms on each pass to look
    again once its job rate limit (--max-jobs-per-timespan, 1 s) allows. They are not daemon
    threads, so the finished run's process waited up to a second for the last of them (a tenth
    of a small run); after the last job they have nothing left to schedule."""
    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer):
            thread.cancel()


# --- the job server (rehab.workflow.job_server): a local run's jobs start warm ---

# Every script offers its job to the server first (run_warm; tests/unit/test_job_server.py).
RULE_SCRIPTS = sorted(SCRIPTS.glob("*.py"))
# A run with fewer jobs ends before the server's imports (~2 s of one core) pay off.
JOB_SERVER_MIN_JOBS = 5
_job_servers = []


def start_job_server():
    """At a local run's start (onstart): start the job server when the run has enough jobs
    to do and the config allows it (`job_server`); its address goes to the jobs'
    environment. A cluster run, a run whose jobs have software environments of their own
    (--use-conda, containers), or another platform than Linux runs every job on its own."""
    if not config.get("job_server", True) or not workflow.local_exec or not job_server.available():
        return
    if workflow.deployment_settings.deployment_method:
        return
    scripts = {path.name: path for path in RULE_SCRIPTS}
    script_jobs = [
        job for job in workflow.dag.needrun_jobs() if job.rule.script and Path(job.rule.script).name in scripts
    ]
    if len(script_jobs) < JOB_SERVER_MIN_JOBS:
        return
    in_run_order = [Path(job.rule.script).name for level in workflow.dag.toposorted(script_jobs) for job in level]
    try:
        server = job_server.start([scripts[name] for name in dict.fromkeys(in_run_order)], [SCRIPTS, PROJECT_ROOT])
    except OSError as error:
        logger.warning(mask_text(f"No job server for this run ({error}): every job imports its packages itself."))
        return
    _job_servers.append(server)
    os.environ[job_server.ADDRESS_VARIABLE] = server.address
    os.environ[job_server.PREFIX_VARIABLE] = sys.prefix  # the server's Python environment


def stop_job_server():
    """At the run's end (onsuccess, onerror): stop the job server, if one was started."""
    os.environ.pop(job_server.ADDRESS_VARIABLE, None)
    os.environ.pop(job_server.PREFIX_VARIABLE, None)
    while _job_servers:
        _job_servers.pop().stop()


def number_fragments(*parts):
    """The numbers fragments (numbers/<part>.csv, written by the table stages) a step reads."""
    return [f"results/{{cohort}}/numbers/{part}.csv" for part in parts]


def figure_outputs(name):
    """PNG (embedded in report.html) and SVG (in Snakemake's report) of one figure."""
    return {
        "png": f"results/{{cohort}}/figures/{name}.png",
        "svg": report(
            f"results/{{cohort}}/figures/{name}.svg",
            category="Figures",
            subcategory="{cohort}",
            caption=f"../report/figure_{name}.rst",
        ),
    }


def _project_path(path):
    """A path relative to the project root where it lies inside it."""
    absolute = os.path.abspath(path)
    root = str(PROJECT_ROOT)
    return os.path.relpath(absolute, root) if absolute.startswith(root + os.sep) else absolute


def _rule_files(files):
    """A rule's input or output patterns as text; an input function is named, without the
    memory address that would change from run to run (an unnamed one is only described)."""
    texts = []
    for item in files:
        text = str(item)
        function = re.fullmatch(r"<function (\S+) at 0x[0-9a-f]+>", text)
        if function:
            name = function.group(1)
            texts.append("(chosen per cohort)" if name == "<lambda>" else f"(chosen per cohort by {name}())")
        else:
            text = re.sub(r"\{(\w+),[^{}]*\}", r"{\1}", text)  # drop wildcard constraints
            texts.append(_project_path(text) if os.path.isabs(text) else text)
    return texts


def _is_code(path):
    return path.startswith(("workflow/scripts/rehab/", "schemas/"))


def rule_products():
    """The outputs, inputs and script of each scripted rule, and of each step of a stage
    rule (with its "step"), read from Snakemake's own rule objects (so the map cannot
    drift from the workflow)."""
    products = []
    for rule_ in sorted(workflow.rules, key=lambda r: r.name):
        if not rule_.script:
            continue
        basedir = rule_.basedir.get_path_or_uri(secret_free=True)
        script = _project_path(os.path.normpath(os.path.join(basedir, rule_.script)))
        code = [path for path in _rule_files(rule_.input) if _is_code(path)]
        for step, outputs, inputs in _rule_parts(rule_):
            product = {"rule": rule_.name} | ({"step": step} if step else {})
            inputs = _rule_files(inputs)
            products.append(
                product
                | {
                    "script": script,
                    "outputs": _rule_files(outputs),
                    "inputs": [path for path in inputs if not _is_code(path)],
                    "code": code,
                }
            )
    return products


def _rule_parts(rule_):
    """(step, outputs, inputs) of each step of a stage rule, in order; (None, outputs,
    inputs) of any other rule."""
    steps = getattr(rule_.params, "steps", None)
    if not steps:
        return [(None, rule_.output, rule_.input)]
    internal = getattr(rule_.params, "internal_inputs", None) or {}
    parts = []
    for step in steps:
        prefix = step + STEP_SEPARATOR
        inputs = [value for name, value in rule_.input.items() if name.startswith(prefix)]
        inputs += [getattr(rule_.output, flat) for flat in internal.get(step, {}).values()]
        parts.append((step, [value for name, value in rule_.output.items() if name.startswith(prefix)], inputs))
    return parts
