from rehab.script_support import run
from rehab.analysis_io import OUTCOME_COLUMNS, PATIENT_COLUMNS_FLOW, read_clean
from rehab.flow import flow_numbers
from rehab.numbers import write_fragment


def main(snakemake):
    patients = read_clean(snakemake.input.patients, PATIENT_COLUMNS_FLOW)
    sessions = read_clean(snakemake.input.sessions, ["line"])
    outcomes = read_clean(snakemake.input.outcomes, OUTCOME_COLUMNS)
    write_fragment(flow_numbers(patients, sessions, outcomes), snakemake.output.numbers)


run(snakemake, main)
