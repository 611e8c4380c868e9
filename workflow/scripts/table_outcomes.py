from rehab.script_support import run
from rehab.analysis_io import OUTCOME_COLUMNS, read_clean
from rehab.formatting import write_table
from rehab.numbers import write_fragment
from rehab.outcomes import outcome_numbers, outcomes_table


def main(snakemake):
    outcomes = read_clean(snakemake.input.outcomes, OUTCOME_COLUMNS)
    numbers = outcome_numbers(outcomes, snakemake.params.quantile_method)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(outcomes_table(numbers), snakemake.output.table)


run(snakemake, main)
