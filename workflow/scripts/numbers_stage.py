"""Stage rule numbers: numbers.csv from the fragments, then the reproduction check (rehab.workflow.numbers_steps)."""

from rehab.workflow.job_server import run_warm

run_warm(snakemake)  # a warm worker of the run's job server may run this script instead

from rehab.workflow import numbers_steps
from rehab.workflow.stages import run_stage

run_stage(snakemake, numbers_steps)  # noqa: F821 - injected by Snakemake
