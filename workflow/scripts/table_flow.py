from rehab.analysis_io import PATIENT_COLUMNS_FLOW, read_clean
from rehab.flow import flow_numbers
from rehab.numbers import write_fragment
from rehab.script_support import run
from rehab.study import Study


def main(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    patients = read_clean(snakemake.input.patients, PATIENT_COLUMNS_FLOW)
    sessions = read_clean(snakemake.input.sessions, ["line"])
    outcomes = read_clean(snakemake.input.outcomes, [*study.outcome_columns, "assessment_date"])
    numbers = flow_numbers(patients, sessions, outcomes, study, snakemake.params.quantile_method)
    write_fragment(numbers, snakemake.output.numbers)


run(snakemake, main)
