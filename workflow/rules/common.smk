# Shared helpers: config validation, cohort lookup and the paths every stage uses.

import sys
from pathlib import Path

PROJECT_ROOT = Path(workflow.basedir)
# Snakemake puts a script's own folder (workflow/scripts) on its sys.path; the Snakefile
# needs it too, for the config check below.
sys.path.insert(0, str(PROJECT_ROOT / "workflow" / "scripts"))

from rehab.config_check import check_config, ConfigError  # noqa: E402

try:
    check_config(config, PROJECT_ROOT / "schemas" / "config.schema.yaml")
except ConfigError as error:
    raise WorkflowError(str(error)) from None


wildcard_constraints:
    cohort="[A-Za-z0-9_-]+",


RAW_FILES = ["patients", "sessions", "outcomes"]
LIB = PROJECT_ROOT / "workflow" / "scripts" / "rehab"


def library(*modules):
    """The `rehab` modules a script imports, as inputs, so that editing one reruns the rule."""
    return [str(LIB / f"{module}.py") for module in ("__init__",) + modules]


def active_cohorts():
    return config["active_cohorts"] or list(config["cohorts"])


def cohort_config(cohort):
    return config["cohorts"][cohort]


def is_synthetic(cohort):
    return "synthetic" in cohort_config(cohort)


def raw_export_dir(cohort):
    """Folder of a cohort's raw export: generated for synthetic cohorts, configured otherwise."""
    if is_synthetic(cohort):
        return f"results/{cohort}/raw"
    path = Path(cohort_config(cohort)["export"]["path"])
    return str(path if path.is_absolute() else PROJECT_ROOT / path)


def raw_export_files(wildcards):
    folder = raw_export_dir(wildcards.cohort)
    return {name: f"{folder}/{name}.csv" for name in RAW_FILES}


def dialect(cohort):
    if is_synthetic(cohort):
        return {"separator": ",", "decimal": ".", "encoding": "utf-8", "missing_values": []}
    return cohort_config(cohort)["export"]["dialect"]


def quantile_method(cohort):
    return cohort_config(cohort).get("quantile_method", config["analysis"]["quantile_method"])


def all_targets():
    targets = [f"results/{cohort}/report.html" for cohort in active_cohorts()]
    targets.append("results/comparison/report.html")
    return targets
