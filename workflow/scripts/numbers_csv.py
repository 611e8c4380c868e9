"""Stage rule numbers_csv: numbers.csv from the fragments (rehab.workflow.numbers_steps)."""

from rehab.workflow import numbers_steps
from rehab.workflow.stages import run_stage

run_stage(snakemake, numbers_steps)  # noqa: F821 - injected by Snakemake
