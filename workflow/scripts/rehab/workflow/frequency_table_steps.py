"""The intervention frequency tables stage (rule `frequency_tables`): one function per step.

Each function is the `main` of the step's former rule script; `snakemake` is the step's view
(rehab.workflow.stages, which runs the steps and says what each sees). The steps are declared in
workflow/rules/.
"""

from rehab.analysis.baseline import baseline_numbers, baseline_table
from rehab.analysis.clean_inputs import (
    PATIENT_COLUMNS_BASELINE,
    PATIENT_COLUMNS_FLOW,
    PATIENT_COLUMNS_PROGRAM,
    read_accounting,
    read_clean,
)
from rehab.analysis.flow import flow_numbers, validation_numbers
from rehab.analysis.interventions import (
    combination_numbers,
    combinations_table,
    intervention_numbers,
    interventions_table,
    program_numbers,
    program_table,
)
from rehab.core.formatting import write_table
from rehab.core.study import Study
from rehab.ingest.codebook import category_names, codebook_table, read_validated_codebook
from rehab.outputs.methods import methods_table
from rehab.outputs.numbers import write_fragment

VISIT_COUNTS = ("flow.with_sessions", "flow.visits")  # the flow numbers a visit file gives


def table_codebook(snakemake):
    write_table(codebook_table(read_validated_codebook(snakemake.input.codebook)), snakemake.output.table)


def table_baseline(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    patients = read_clean(snakemake.input.patients, PATIENT_COLUMNS_BASELINE)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    numbers = baseline_numbers(patients, outcomes, study, snakemake.params.quantile_method)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(baseline_table(numbers, len(patients), study), snakemake.output.table)


def table_interventions(snakemake):
    patients = read_clean(snakemake.input.patients, ["patient_id"])
    sessions = read_clean(snakemake.input.sessions, ["line"])
    long = read_clean(snakemake.input.session_interventions, ["line", "patient_id", "code"])
    names = category_names(read_validated_codebook(snakemake.input.codebook))
    numbers = intervention_numbers(patients, sessions, long, list(names))
    combinations = combination_numbers(patients, long, snakemake.params.top_combinations)
    write_fragment(numbers | combinations, snakemake.output.numbers)
    write_table(interventions_table(numbers, names), snakemake.output.table)
    write_table(combinations_table(combinations, names), snakemake.output.combinations)


def table_program(snakemake):
    patients = read_clean(snakemake.input.patients, PATIENT_COLUMNS_PROGRAM)
    long = read_clean(snakemake.input.session_interventions, ["patient_id", "code"])
    numbers = program_numbers(patients, long, snakemake.params.quantile_method)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(program_table(numbers), snakemake.output.table)


def table_flow(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    patients = read_clean(snakemake.input.patients, PATIENT_COLUMNS_FLOW)
    sessions = read_clean(snakemake.input.sessions, ["line"])
    outcomes = read_clean(snakemake.input.outcomes, [*study.outcome_columns, "assessment_date"])
    numbers = flow_numbers(patients, sessions, outcomes, study, snakemake.params.quantile_method)
    if not snakemake.params.visits:  # no visit file: the visit counts are not known, not zero
        numbers = {key: value for key, value in numbers.items() if key not in VISIT_COUNTS}
    write_fragment(numbers, snakemake.output.numbers)


def table_validation(snakemake):
    write_fragment(validation_numbers(read_accounting(snakemake.input.accounting)), snakemake.output.numbers)


def table_methods(snakemake):
    write_table(
        methods_table(snakemake.params.quantile_method, snakemake.params.confidence_level), snakemake.output.table
    )
