"""Rule check_reproduction: the paper's published values against this cohort's numbers.csv
(rehab.workflow.numbers_steps.check_reproduction)."""

from rehab.workflow.numbers_steps import check_reproduction
from rehab.workflow.script_support import run

run(snakemake, check_reproduction)  # noqa: F821 - injected by Snakemake
