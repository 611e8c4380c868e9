from rehab.analysis_io import PATIENT_COLUMNS_PROGRAM, read_clean
from rehab.formatting import write_table
from rehab.interventions import program_numbers, program_table
from rehab.numbers import write_fragment
from rehab.script_support import run


def main(snakemake):
    patients = read_clean(snakemake.input.patients, PATIENT_COLUMNS_PROGRAM)
    long = read_clean(snakemake.input.session_interventions, ["patient_id", "code"])
    numbers = program_numbers(patients, long, snakemake.params.quantile_method)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(program_table(numbers), snakemake.output.table)


run(snakemake, main)
