"""The numbers stage (rule `numbers`): numbers.csv and the reproduction check, one function per step.

Each function is the `main` of the step's former rule script; `snakemake` is the step's view
(rehab.workflow.stages, which runs the steps and says what each sees). The steps are declared in
workflow/rules/.
"""

import logging

from rehab.core.formatting import write_table
from rehab.outputs.numbers import PARTS, read_numbers_text, write_numbers
from rehab.outputs.reproduction import load_published, reproduction_table


def collect_numbers(snakemake):
    write_numbers([snakemake.input[part] for part in PARTS], snakemake.output.numbers)


def check_reproduction(snakemake):
    numbers = read_numbers_text(snakemake.input.numbers)
    table = reproduction_table(
        load_published(snakemake.input.published), dict(zip(numbers["key"], numbers["value"], strict=False))
    )
    write_table(table, snakemake.output.reproduction)
    logging.getLogger("rehab").info(
        "%d of %d published values reproduced", (table["matches"] == "true").sum(), len(table)
    )
