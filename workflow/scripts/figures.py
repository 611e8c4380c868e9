"""Stage rules outcome_figures, program_figures and responder_figures: each draws the
figures of its steps (rehab.workflow.figure_steps)."""

from rehab.workflow.job_server import run_warm

run_warm(snakemake)  # a warm worker of the run's job server may run this script instead

from rehab.workflow import figure_steps
from rehab.workflow.stages import run_stage

run_stage(snakemake, figure_steps)  # noqa: F821 - injected by Snakemake
