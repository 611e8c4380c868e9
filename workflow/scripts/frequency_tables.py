"""Stage rule frequency_tables: the codebook, baseline, intervention, program, flow,
validation and methods tables (rehab.workflow.frequency_table_steps)."""

from rehab.workflow import frequency_table_steps
from rehab.workflow.stages import run_stage

run_stage(snakemake, frequency_table_steps)  # noqa: F821 - injected by Snakemake
