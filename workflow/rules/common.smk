# Shared helpers: config validation, cohort lookup, the paths every stage uses, each rule's
# script and code version, and the stage helpers. Standard library and the project's
# stdlib-only modules: building the DAG loads no data stack.

import functools
import os
import time
from pathlib import Path

import yaml

# The library is installed with the project (pyproject.toml; README's setup command).
from rehab.core.errors import RawExportError
from rehab.core.export_contract import RAW_FILES, VISIT_FILE, source_name
from rehab.core.privacy import mask_text
from rehab.core.study import (
    Study,
    StudyDeclarationError,
    data_declaration,
    declaration,
    measurement_declaration,
)
from rehab.ingest.export_files import check_file_present
from rehab.outputs import contents as report_contents
from rehab.workflow.code_closure import code_version as _code_version
from rehab.workflow.comparison_name import comparison_name
from rehab.workflow.config_check import (
    ConfigError,
    check_config,
    with_schema_defaults,
    active_cohorts as _active_cohorts,
)
from rehab.workflow.run_messages import failed_jobs, failure_report, run_summary, where_to_look
from rehab.workflow.stages import SEPARATOR as STEP_SEPARATOR

PROJECT_ROOT = Path(workflow.basedir)
SCRIPTS = PROJECT_ROOT / "workflow" / "scripts"
RUN_STARTED = time.time()  # the run's end looks for the logs of failed jobs written since

CONFIG_SCHEMA = PROJECT_ROOT / "schemas" / "config.schema.yaml"
try:
    # The config files' names are checked too; `workflow.configfiles` is read where a release
    # has it (many public workflows use it; docs/decisions.md, "Config values").
    check_config(config, CONFIG_SCHEMA, getattr(workflow, "configfiles", []), "results")
except ConfigError as error:
    raise WorkflowError(mask_text(str(error))) from None


# --- each rule's script and code version ---

RULE_SCRIPTS = {}  # rule -> its script, for the provenance map (rule_products)
RULE_WRITES_FOR = {}  # rule -> which cohorts' files it writes, where not every cohort's


def script_for(script, rule=None, writes_for=None):
    """The script workflow/scripts/<script>.py of `rule` (default: the rule named as the
    script), recorded for the provenance map; `writes_for(cohort)` says whether the rule
    writes that cohort's files (default: every cohort's)."""
    RULE_SCRIPTS[rule or script] = f"workflow/scripts/{script}.py"
    if writes_for is not None:
        RULE_WRITES_FOR[rule or script] = writes_for
    return f"../scripts/{script}.py"


def code_version(rule):
    """A digest of the rule's script and every project module it imports, directly or not
    (rehab.workflow.code_closure): the rule's param `code`, so that editing any of them reruns
    the rule (Snakemake's params trigger) without listing the library among its inputs."""
    return _code_version(SCRIPTS / f"{rule}.py", [SCRIPTS, PROJECT_ROOT])


def project_file(path):
    """A file of the project as a rule's input: relative when Snakemake runs in the project
    folder, so that a moved or copied project (with its .snakemake folder) does not rerun
    rules for a changed set of input files; absolute otherwise."""
    absolute = PROJECT_ROOT / path
    if not RUNS_IN_PROJECT:
        return str(absolute)
    return _project_path(absolute)


RUNS_IN_PROJECT = Path.cwd().resolve() == PROJECT_ROOT.resolve()


# --- cohorts ---


def active_cohorts():
    return _active_cohorts(config)


def cohort_config(cohort):
    return config["cohorts"][cohort]


def study_declaration(cohort):
    """The cohort's study declaration (instruments, timepoints, subgroups) as plain data:
    a rule's param, so a change of the declaration reruns what uses it."""
    return declaration(config, cohort)


def get_study(wildcards):
    return study_declaration(wildcards.cohort)


def get_study_measures(wildcards):
    """The declaration without responder definitions and subgroups, for the steps that show
    instruments and time points but use no threshold (the baseline and outcome tables, the outcome and flow
    figures): a threshold change does not rerun them."""
    return measurement_declaration(study_declaration(wildcards.cohort))


def get_study_data(wildcards):
    """The declaration reduced to what decides the data (columns, types, ranges, time point
    names), for the rules that show no label (validation, cleaning, the counts): a changed
    label, unit, citation, threshold or subgroup does not rerun them."""
    return data_declaration(study_declaration(wildcards.cohort))


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


def cohort_title(cohort):
    """The cohort's display name in its report (`cohorts.<cohort>.title`), else its name."""
    return cohort_config(cohort).get("title", cohort)


def compares_with_published(cohort):
    """Whether the cohort is checked against the paper's published values (reproduction.csv):
    `cohorts.<cohort>.compare_with_published`; when unset, a synthetic cohort is and an export
    is not."""
    return cohort_config(cohort).get("compare_with_published", is_synthetic(cohort))


def reproduction_files(cohort):
    """The reproduction check's table, for a cohort that compares with the paper; none else."""
    return [f"results/{cohort}/reproduction.csv"] if compares_with_published(cohort) else []


# The export shapes a synthetic cohort can be written in (config/shapes.yaml): each an export
# mapping, filled with the schema's defaults as a cohort's export is (tests/unit/test_export_shapes.py
# checks every shape against the schema), once per shape a run uses.
SHAPES = yaml.safe_load((PROJECT_ROOT / "config" / "shapes.yaml").read_text(encoding="utf-8"))["shapes"]


@functools.cache
def shape_export(shape):
    return with_schema_defaults({"path": ".", **SHAPES[shape]}, CONFIG_SCHEMA, "export")


def shape_files(shape):
    """The distinct source files a shape's export consists of."""
    return list(dict.fromkeys(source_name(shape_export(shape)["files"], name) for name in RAW_FILES))


def shape_of(cohort):
    """The export shape of a synthetic cohort (None for an export)."""
    return cohort_config(cohort)["synthetic"]["shape"] if is_synthetic(cohort) else None


def is_shaped(cohort):
    return shape_of(cohort) not in (None, "contract_csv")


def export_config(cohort):
    """The cohort's export mapping: an export's own, a synthetic cohort's shape's."""
    return shape_export(shape_of(cohort)) if is_synthetic(cohort) else cohort_config(cohort)["export"]


def has_visits(cohort):
    """Whether the cohort has a visit file (`export.visits`)."""
    return export_config(cohort)["visits"]


def raw_export_dir(cohort):
    """Folder of a cohort's raw export: generated for synthetic cohorts (results/<cohort>/raw, or
    results/<cohort>/export for a shape), configured otherwise."""
    if is_synthetic(cohort):
        return f"results/{cohort}/export" if is_shaped(cohort) else f"results/{cohort}/raw"
    path = Path(cohort_config(cohort)["export"]["path"])
    return str(path) if path.is_absolute() else project_file(path)


def raw_export_files_of(cohort):
    """Each contract file's source (the same workbook may hold several); none for a visit
    file the cohort lacks."""
    folder, files = raw_export_dir(cohort), export_config(cohort)["files"]
    return {
        name: f"{folder}/{source_name(files, name)}" for name in RAW_FILES if name != VISIT_FILE or has_visits(cohort)
    }


def raw_export_files(wildcards):
    return raw_export_files_of(wildcards.cohort)


def raw_files_to_validate(wildcards):
    """Every source of a synthetic cohort (generated upstream); for an export only those that
    exist, so that a missing file stops with the validation's own message (RawExportError
    naming the file and the fix), not Snakemake's "missing input"."""
    return {
        name: path
        for name, path in raw_export_files(wildcards).items()
        if is_synthetic(wildcards.cohort) or Path(path).exists()
    }


def dialect(cohort):
    """The export's dialect; a synthetic cohort's is its shape's (the schema's default for the contract)."""
    return export_config(cohort)["dialect"]


def study_keys(cohort):
    """The config key declaring each study section of the cohort, for messages."""
    own = cohort_config(cohort).get("study") or {}
    return {
        section: f"cohorts.{cohort}.study.{section}" if section in own else f"study.{section}"
        for section in ("instruments", "timepoints")
    }


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
    """Every active cohort's report, and the comparison of the cohorts when there are several."""
    targets = [f"results/{cohort}/report.html" for cohort in active_cohorts()]
    if len(active_cohorts()) > 1:
        targets.append(f"{comparison_dir()}/report.html")
    return targets


# --- the run's end (Snakefile onsuccess/onerror): rehab.workflow.run_messages ---


def end_of_run_messages(failed):
    """The WARNING summary of every cohort's validation defects (the cohorts whose jobs all
    succeeded); where to look (each cohort's report, or which cohorts finished and which
    stopped); then, after a failure, each failed job's own message from its log."""
    failures = failed_jobs("results", RUN_STARTED) if failed else []
    failed_cohorts = {cohort for _, _, cohort in failures}
    summary = run_summary(cohort for cohort in active_cohorts() if cohort not in failed_cohorts)
    omitted = [
        f"WARNING cohort {cohort}: no visit file (export.visits: false), so these were not computed: "
        + ", ".join(omitted_products(cohort))
        for cohort in active_cohorts()
        if cohort not in failed_cohorts and not has_visits(cohort)
    ]
    where = where_to_look(active_cohorts(), "results", RUN_STARTED, failed_cohorts)
    if not failed and len(active_cohorts()) > 1:
        where += f"\ncomparison: {comparison_dir()}/report.html"
    return "\n".join([summary, *omitted]).strip(), where, failure_report((rule, logs) for rule, logs, _ in failures)


# --- stages: several steps in one job (rehab.workflow.stages) ---
#
# A stage declares its steps once, as data: {step: {"input": {...}, "output": {...},
# "params": {...}}}. Its rule's input, output, log and params are derived from that, each
# step's entries named <step>__<name>; each step keeps a log of its own (logs/<step>.log).
# A step input that is an output of an earlier step of the same stage is passed inside the
# job (param internal_inputs), not as a rule input (which would make the rule depend on itself).

STAGES = {}  # stage rule -> its steps, for the provenance map (rule_products)


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
    """Each step's log, at logs/<step>.log."""
    return {step: f"results/{{cohort}}/logs/{step}.log" for step in steps}


def stage_params(rule, steps):
    """Every step's params, the step order and the inputs passed from step to step; the
    stage is recorded for the provenance map."""
    STAGES[rule] = steps
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
        "omitted": lambda wildcards: omitted_steps(steps, wildcards.cohort),
    }


# --- a cohort without a visit file: the steps declared "needs_visits" are omitted ---


def omitted_steps(steps, cohort):
    """The steps of a stage that a cohort's export cannot feed (no visit file): each writes a
    placeholder that says so (rehab.workflow.stages.omit_step), and the report leaves out what
    they make."""
    return [] if has_visits(cohort) else [step for step, declared in steps.items() if declared.get("needs_visits")]


def omitted_items(cohort):
    """The declared tables and figures (`kind:name`) that a cohort without a visit file omits."""
    return [
        f"{entry.kind}:{entry.name}"
        for steps in STAGES.values()
        for step in omitted_steps(steps, cohort)
        for entry in report_contents.of_step(step)
    ]


def omitted_products(cohort):
    """The report's tables and figures that a cohort without a visit file omits, by their
    number and title (the declaration's entries of the omitted steps), tables then figures,
    each in number order."""
    words = report_words(cohort)
    omitted = {step for steps in STAGES.values() for step in omitted_steps(steps, cohort)}
    entries = [entry for entry in report_contents.CONTENTS if entry.step in omitted]
    entries.sort(key=lambda entry: (entry.kind != "table", report_contents.number(entry)))
    return [f"{report_contents.label(entry)} ({report_contents.fill(entry.title, words)})" for entry in entries]


# --- the report's tables and figures: declared once, in rehab.outputs.contents ---


def report_outputs(step, **others):
    """A stage step's outputs: the report's tables and figures it writes, as the report's
    declaration names them (rehab.outputs.contents: each file carries its number, each is in
    Snakemake's report labelled with its number, title and caption), then the `others` given
    here (numbers fragments, files the report does not show)."""
    outputs = dict(others)
    for entry in report_contents.of_step(step):
        outputs.update(_item_outputs(entry))
    return outputs


def _item_outputs(entry):
    """A table's output (named by the declaration), or a figure's PNG (embedded in
    report.html) and SVG (in Snakemake's report)."""
    flagged = report(
        f"results/{{cohort}}/{report_contents.file_of(entry)}",
        category=f"{report_contents.KINDS[entry.kind]}s",
        subcategory="{cohort}",
        caption="../report/item.rst",
        labels=lambda wildcards: report_labels(entry, wildcards.cohort),
    )
    if entry.kind == "table":
        return {entry.output: flagged}
    return {"png": f"results/{{cohort}}/{report_contents.file_of(entry, '.png')}", "svg": flagged}


def report_words(cohort):
    """The study words the report's titles and captions name, for `cohort`."""
    analysis = config["analysis"]
    study = Study.from_config(config, cohort)
    return report_contents.study_words(study, analysis["confidence_level"], analysis["subgroups"]["min_group_size"])


def report_labels(entry, cohort):
    return report_contents.snakemake_labels(entry, report_words(cohort))


def report_file(kind, name):
    """The file of a declared table or figure (a figure's SVG), as a step's input."""
    return f"results/{{cohort}}/{report_contents.file_of(report_contents.item(kind, name))}"


def report_files(kind):
    """Every declared table (CSV) or figure (SVG) of the report that a step writes, for the
    report's rule (a table of another rule, such as the validation's accounting, is among
    the rule's inputs by its own name)."""
    return [
        f"results/{{cohort}}/{report_contents.file_of(entry)}"
        for entry in report_contents.of_kind(kind)
        if not entry.source
    ]


def number_fragments(*parts):
    """The numbers fragments (numbers/<part>.csv, written by the table stages) a step reads."""
    return [f"results/{{cohort}}/numbers/{part}.csv" for part in parts]


# --- the provenance map: which rule (and step) made each output, with which script ---


def _project_path(path):
    """A path relative to the project root where it lies inside it."""
    absolute = os.path.abspath(path)
    root = str(PROJECT_ROOT)
    return os.path.relpath(absolute, root) if absolute.startswith(root + os.sep) else absolute


def _rule_files(files):
    """A rule's input or output patterns as text; an input function is named by what it
    chooses (a function's text would hold its memory address, which changes from run to run)."""
    texts = []
    for item in files:
        if callable(item):
            name = getattr(item, "__name__", "<lambda>")
            texts.append("(chosen per cohort)" if name == "<lambda>" else f"(chosen per cohort by {name}())")
        else:
            text = str(item)
            texts.append(_project_path(text) if os.path.isabs(text) else text)
    return texts


def rule_products(cohort):
    """The outputs, inputs and script of each rule that writes `cohort`'s files, and of each
    step of a stage rule (with its "step"), read through Snakemake's `rules` object from the
    rules this workflow declared (script_for, stage_params), so the map cannot drift from the
    workflow."""
    products = []
    for name in sorted(RULE_SCRIPTS):
        if not RULE_WRITES_FOR.get(name, lambda cohort: True)(cohort):
            continue
        rule_ = getattr(rules, name)
        for step, outputs, inputs in _rule_parts(name, rule_):
            product = {"rule": name} | ({"step": step} if step else {})
            products.append(
                product | {"script": RULE_SCRIPTS[name], "outputs": _rule_files(outputs), "inputs": _rule_files(inputs)}
            )
    return products


def _rule_parts(name, rule_):
    """(step, outputs, inputs) of each step of a stage rule, in order; (None, outputs,
    inputs) of any other rule."""
    if name not in STAGES:
        return [(None, list(rule_.output), list(rule_.input))]
    internal = rule_.params.internal_inputs
    parts = []
    for step in STAGES[name]:
        prefix = step + STEP_SEPARATOR
        inputs = [value for key, value in rule_.input.items() if key.startswith(prefix)]
        inputs += [getattr(rule_.output, flat) for flat in internal.get(step, {}).values()]
        parts.append((step, [value for key, value in rule_.output.items() if key.startswith(prefix)], inputs))
    return parts
