"""Stage rule outcome_analysis: the outcome, responder, subgroup, attrition, maintenance
and missing-data tables (rehab.workflow.outcome_analysis_steps)."""

from rehab.workflow import outcome_analysis_steps
from rehab.workflow.stages import run_stage

run_stage(snakemake, outcome_analysis_steps)  # noqa: F821 - injected by Snakemake
