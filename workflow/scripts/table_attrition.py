from rehab.analysis_io import read_clean
from rehab.attrition import PATIENT_COLUMNS, attrition_numbers, attrition_table
from rehab.formatting import write_table
from rehab.numbers import write_fragment
from rehab.script_support import run
from rehab.study import Study


def main(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    patients = read_clean(snakemake.input.patients, PATIENT_COLUMNS)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    numbers = attrition_numbers(patients, outcomes, study)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(attrition_table(numbers, study), snakemake.output.table)


run(snakemake, main)
