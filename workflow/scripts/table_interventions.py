from rehab.analysis_io import read_clean
from rehab.codebook import category_names, load_codebook
from rehab.formatting import write_table
from rehab.interventions import combination_numbers, combinations_table, intervention_numbers, interventions_table
from rehab.numbers import write_fragment
from rehab.script_support import run


def main(snakemake):
    patients = read_clean(snakemake.input.patients, ["patient_id"])
    sessions = read_clean(snakemake.input.sessions, ["line"])
    long = read_clean(snakemake.input.session_interventions, ["line", "patient_id", "code"])
    names = category_names(load_codebook(snakemake.input.codebook))
    numbers = intervention_numbers(patients, sessions, long)
    combinations = combination_numbers(patients, long, snakemake.params.top_combinations)
    write_fragment(numbers | combinations, snakemake.output.numbers)
    write_table(interventions_table(numbers, names), snakemake.output.table)
    write_table(combinations_table(combinations, names), snakemake.output.combinations)


run(snakemake, main)
