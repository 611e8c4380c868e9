import logging

from rehab.formatting import write_table
from rehab.numbers import read_numbers_text
from rehab.reproduction import load_published, reproduction_table
from rehab.script_support import run


def main(snakemake):
    numbers = read_numbers_text(snakemake.input.numbers)
    table = reproduction_table(
        load_published(snakemake.input.published), dict(zip(numbers["key"], numbers["value"], strict=False))
    )
    write_table(table, snakemake.output.reproduction)
    logging.getLogger("rehab").info(
        "%d of %d published values reproduced", (table["matches"] == "true").sum(), len(table)
    )


run(snakemake, main)
