from rehab import frequency_table_steps
from rehab.stages import run_stage

run_stage(snakemake, frequency_table_steps)  # noqa: F821 - injected by Snakemake
