from rehab.analysis_io import clean_columns, read_clean
from rehab.formatting import write_table
from rehab.missing_data import ImputationSettings, missing_data_numbers, missing_data_table
from rehab.numbers import write_fragment
from rehab.responders import responder_numbers
from rehab.script_support import run
from rehab.study import Study


def main(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    settings = ImputationSettings.from_config(snakemake.params.missing_data)
    present = clean_columns(snakemake.input.patients)  # an absent covariate is named by missing_data_numbers
    columns = ["patient_id", *(name for name in settings.covariates if name in present)]
    patients = read_clean(snakemake.input.patients, columns)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    level = snakemake.params.confidence_level
    numbers = missing_data_numbers(patients, outcomes, study, settings, level)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(missing_data_table(responder_numbers(outcomes, study, level) | numbers, study), snakemake.output.table)


run(snakemake, main)
