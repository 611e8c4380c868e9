# Shared helpers: config validation, cohort lookup and the paths every stage uses.

import os
import re
from pathlib import Path

# The library is installed with the project (pyproject.toml; README's setup command).
from rehab.code_closure import script_closure
from rehab.comparison_name import comparison_name
from rehab.config_check import check_config, ConfigError
from rehab.errors import RawExportError
from rehab.privacy import mask_text
from rehab.export_files import DEFAULT_MAX_RECORD_LINES, check_file_present
from rehab.run_messages import ScriptExitFilter, failure_report, run_summary
from rehab.study import Study, StudyDeclarationError, declaration, measurement_declaration

PROJECT_ROOT = Path(workflow.basedir)

try:
    check_config(config, PROJECT_ROOT / "schemas" / "config.schema.yaml")
except ConfigError as error:
    raise WorkflowError(mask_text(str(error))) from None


RAW_FILES = ["patients", "sessions", "outcomes"]
SCRIPTS = PROJECT_ROOT / "workflow" / "scripts"


def script_code(script):
    """Every project module (rehab, schemas) the rule's script imports, directly or through
    other modules, read from the import statements themselves (rehab.code_closure): as
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
        (job.name, [str(path) for path in job.log], (getattr(job, "wildcards_dict", None) or {}).get("cohort"))
        for job in getattr(scheduler, "failed", ())
    ]


# --- figures and report ---


def responder_labels():
    """Instrument -> label of the default study (the figures' legend until they read the study)."""
    return {name: spec["label"] for name, spec in config["study"]["instruments"].items()}


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
    """The outputs, inputs and script of each scripted rule, read from
    Snakemake's own rule objects (so the map cannot drift from the workflow)."""
    products = []
    for rule_ in sorted(workflow.rules, key=lambda r: r.name):
        if not rule_.script:
            continue
        basedir = rule_.basedir.get_path_or_uri(secret_free=True)
        script = _project_path(os.path.normpath(os.path.join(basedir, rule_.script)))
        inputs = _rule_files(rule_.input)
        products.append(
            {
                "rule": rule_.name,
                "script": script,
                "outputs": _rule_files(rule_.output),
                "inputs": [path for path in inputs if not _is_code(path)],
                "code": [path for path in inputs if _is_code(path)],
            }
        )
    return products
