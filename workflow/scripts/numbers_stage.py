from rehab import numbers_steps
from rehab.stages import run_stage

run_stage(snakemake, numbers_steps)  # noqa: F821 - injected by Snakemake
