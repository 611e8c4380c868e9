from rehab.analysis_io import PATIENT_COLUMNS_BASELINE, read_clean
from rehab.baseline import baseline_numbers, baseline_table
from rehab.formatting import write_table
from rehab.numbers import write_fragment
from rehab.script_support import run
from rehab.study import Study


def main(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    patients = read_clean(snakemake.input.patients, PATIENT_COLUMNS_BASELINE)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    numbers = baseline_numbers(patients, outcomes, study, snakemake.params.quantile_method)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(baseline_table(numbers, len(patients), study), snakemake.output.table)


run(snakemake, main)
