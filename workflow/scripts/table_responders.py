from rehab.script_support import run
from rehab.analysis_io import OUTCOME_COLUMNS, read_clean
from rehab.formatting import write_table
from rehab.numbers import write_fragment
from rehab.responders import definitions_table, responder_numbers, responders_table


def main(snakemake):
    outcomes = read_clean(snakemake.input.outcomes, OUTCOME_COLUMNS)
    rules, level = snakemake.params.responders, snakemake.params.confidence_level
    numbers = responder_numbers(outcomes, rules, level)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(responders_table(numbers, rules), snakemake.output.table)
    write_table(responders_table(numbers, rules, sensitivity=True), snakemake.output.sensitivity)
    write_table(definitions_table(rules, level), snakemake.output.definitions)


run(snakemake, main)
