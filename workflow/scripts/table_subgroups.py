from rehab.script_support import run
from rehab.analysis_io import OUTCOME_COLUMNS, PATIENT_COLUMNS_SUBGROUPS, read_clean
from rehab.formatting import write_table
from rehab.numbers import write_fragment
from rehab.subgroups import subgroup_numbers, subgroup_results, subgroups_table, write_results


def main(snakemake):
    patients = read_clean(snakemake.input.patients, PATIENT_COLUMNS_SUBGROUPS)
    outcomes = read_clean(snakemake.input.outcomes, OUTCOME_COLUMNS)
    params = snakemake.params
    results = subgroup_results(patients, outcomes, params.responders, params.subgroups, params.confidence_level)
    write_fragment(subgroup_numbers(results), snakemake.output.numbers)
    write_results(results, snakemake.output.results)
    write_table(subgroups_table(results), snakemake.output.table)


run(snakemake, main)
