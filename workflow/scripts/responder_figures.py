"""Stage rule responder_figures: draws the figures of its steps (rehab.workflow.figure_steps)."""

from rehab.workflow import figure_steps
from rehab.workflow.stages import run_stage

run_stage(snakemake, figure_steps)  # noqa: F821 - injected by Snakemake
