from rehab.analysis_io import read_clean
from rehab.formatting import write_table
from rehab.numbers import write_fragment
from rehab.outcomes import outcome_numbers, outcomes_table
from rehab.script_support import run
from rehab.study import Study


def main(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    numbers = outcome_numbers(outcomes, study, snakemake.params.quantile_method, snakemake.params.confidence_level)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(outcomes_table(numbers, study), snakemake.output.table)


run(snakemake, main)
