from rehab.formatting import write_table
from rehab.methods import methods_table
from rehab.script_support import run


def main(snakemake):
    write_table(
        methods_table(snakemake.params.quantile_method, snakemake.params.confidence_level), snakemake.output.table
    )


run(snakemake, main)
