from rehab.analysis_io import clean_columns, read_clean
from rehab.formatting import write_table
from rehab.numbers import write_fragment
from rehab.script_support import run
from rehab.study import Study
from rehab.subgroups import (
    interaction_numbers,
    interactions_table,
    subgroup_analysis,
    subgroup_numbers,
    subgroups_table,
    summary_numbers,
    write_results,
)


def main(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    present = clean_columns(snakemake.input.patients)  # a missing column is named by subgroup_analysis
    patients = read_clean(snakemake.input.patients, [c for c in study.subgroup_columns if c in present])
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    params = snakemake.params
    results, tests = subgroup_analysis(patients, outcomes, study, params.min_group_size, params.confidence_level)
    numbers = subgroup_numbers(results) | interaction_numbers(tests) | summary_numbers(results)
    write_fragment(numbers, snakemake.output.numbers)
    write_results(results, snakemake.output.results)
    write_table(subgroups_table(results, study), snakemake.output.table)
    write_table(interactions_table(tests, study), snakemake.output.interactions)


run(snakemake, main)
