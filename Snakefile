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
# cohort's validation defects; where each cohort's report is (after a failure: which cohorts
# finished, which stopped); after a failure, each failed job's own message, last.
onsuccess:
    summary, where, _ = end_of_run_messages(failed=False)
    if summary:
        logger.warning(summary)
    logger.info(where)


onerror:
    summary, where, stop = end_of_run_messages(failed=True)
    if summary:
        logger.warning(summary)
    logger.warning(where)
    if stop:
        logger.error(stop)


rule all:
    default_target: True
    input:
        all_targets(),
