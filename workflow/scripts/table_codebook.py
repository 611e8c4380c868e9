from rehab.codebook import codebook_table, load_codebook
from rehab.formatting import write_table
from rehab.script_support import run


def main(snakemake):
    write_table(codebook_table(load_codebook(snakemake.input.codebook)), snakemake.output.table)


run(snakemake, main)
