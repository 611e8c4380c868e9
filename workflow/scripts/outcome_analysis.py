from rehab import outcome_analysis_steps
from rehab.stages import run_stage

run_stage(snakemake, outcome_analysis_steps)  # noqa: F821 - injected by Snakemake
