from rehab.script_support import run
from rehab.analysis_io import OUTCOME_COLUMNS, PATIENT_COLUMNS_BASELINE, read_clean
from rehab.baseline import baseline_numbers, baseline_table
from rehab.formatting import write_table
from rehab.numbers import write_fragment


def main(snakemake):
    patients = read_clean(snakemake.input.patients, PATIENT_COLUMNS_BASELINE)
    outcomes = read_clean(snakemake.input.outcomes, OUTCOME_COLUMNS)
    numbers = baseline_numbers(patients, outcomes, snakemake.params.quantile_method)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(baseline_table(numbers, len(patients)), snakemake.output.table)


run(snakemake, main)
