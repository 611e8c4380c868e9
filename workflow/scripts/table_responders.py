from rehab.analysis_io import read_clean
from rehab.formatting import write_table
from rehab.methods import warn_about_thresholds
from rehab.numbers import write_fragment
from rehab.responders import definitions_table, responder_numbers, responders_table
from rehab.script_support import run
from rehab.study import Study


def main(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    warn_about_thresholds(study)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    level = snakemake.params.confidence_level
    numbers = responder_numbers(outcomes, study, level)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(responders_table(numbers, study), snakemake.output.table)
    write_table(responders_table(numbers, study, sensitivity=True), snakemake.output.sensitivity)
    write_table(definitions_table(study, level), snakemake.output.definitions)


run(snakemake, main)
