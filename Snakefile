# Physiotherapist-led rehabilitation for chronic musculoskeletal pain:
# regenerate the tables and figures of Trulsson Schouenborg et al. 2021 (BMC MSK 22:910)
# from a pain unit's raw medical-record export.
#
#   snakemake --cores 4                 # every cohort of config/config.yaml
#   snakemake --cores 4 --configfile my-cohort.yaml
#
# Which rule writes which file: docs/outputs.md.

from snakemake.logging import logger
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


wildcard_constraints:
    cohort="[A-Za-z0-9_-]+",


include: "workflow/rules/synthetic.smk"
include: "workflow/rules/validation.smk"
include: "workflow/rules/cleaning.smk"
include: "workflow/rules/frequency_tables.smk"
include: "workflow/rules/outcome_analysis.smk"
include: "workflow/rules/numbers.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/comparison.smk"


check_export_folders()
check_study_declarations()

# The run's end (docs/decisions.md, "What a run says at its end"): a WARNING summary of every
# cohort's validation defects; after a failure, each failed job's own message, last. Snakemake's
# report that a script exited with an error status adds nothing to that message: not shown.
logger.addFilter(ScriptExitFilter())


onstart:
    start_job_server()


onsuccess:
    stop_job_server()
    cancel_rescheduling_timers()
    summary = run_summary(active_cohorts())
    if summary:
        logger.warning(summary)


onerror:
    stop_job_server()
    cancel_rescheduling_timers()
    failed = failed_jobs()
    failed_cohorts = {cohort for _, _, cohort in failed}
    summary = run_summary(c for c in active_cohorts() if c not in failed_cohorts)
    if summary:
        logger.warning(summary)
    stop = failure_report((rule, logs) for rule, logs, _ in failed)
    if stop:
        logger.error(stop)


rule all:
    default_target: True
    input:
        all_targets(),
