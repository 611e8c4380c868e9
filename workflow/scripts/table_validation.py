from rehab.analysis_io import read_accounting
from rehab.flow import validation_numbers
from rehab.numbers import write_fragment
from rehab.script_support import run


def main(snakemake):
    write_fragment(validation_numbers(read_accounting(snakemake.input.accounting)), snakemake.output.numbers)


run(snakemake, main)
