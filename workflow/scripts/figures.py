from rehab import figure_steps
from rehab.stages import run_stage

run_stage(snakemake, figure_steps)  # noqa: F821 - injected by Snakemake
