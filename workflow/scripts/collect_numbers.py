from rehab.numbers import PARTS, write_numbers
from rehab.script_support import run


def main(snakemake):
    write_numbers([snakemake.input[part] for part in PARTS], snakemake.output.numbers)


run(snakemake, main)
