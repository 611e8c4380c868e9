"""The outcome responder analysis stage (rule `outcome_analysis`): one function per step.

Each function is the `main` of the step's former rule script; `snakemake` is the step's view
(rehab.workflow.stages, which runs the steps and says what each sees). The steps are declared in
workflow/rules/.
"""

from rehab.analysis.attrition import PATIENT_COLUMNS, attrition_numbers, attrition_table
from rehab.analysis.clean_inputs import clean_columns, read_clean
from rehab.analysis.effect_sizes import (
    BootstrapSettings,
    effect_size_numbers,
    effect_sizes_table,
    regression_to_mean_numbers,
    regression_to_mean_table,
)
from rehab.analysis.maintenance import maintenance_numbers, maintenance_table, margin_numbers, margin_table
from rehab.analysis.missing_data import (
    ImputationSettings,
    TippingPointSettings,
    missing_data_numbers,
    missing_data_table,
    tipping_point_table,
)
from rehab.analysis.mixed_models import mixed_model_numbers, mixed_models_table
from rehab.analysis.outcomes import OutcomePanel, outcome_numbers, outcomes_table
from rehab.analysis.responders import definitions_table, responder_numbers, responders_table
from rehab.analysis.response_model import fit_response_models, response_model_numbers, response_model_table
from rehab.analysis.subgroups import (
    association_numbers,
    associations_table,
    subgroup_analysis,
    subgroup_numbers,
    subgroups_table,
    summary_numbers,
    write_results,
)
from rehab.analysis.transitions import (
    instrument_flow_numbers,
    instrument_flow_table,
    transition_numbers,
    transitions_table,
)
from rehab.core.formatting import write_table
from rehab.core.study import Study
from rehab.outputs.methods import warn_about_thresholds
from rehab.outputs.numbers import read_numbers, write_fragment


def table_outcomes(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    numbers = outcome_numbers(outcomes, study, snakemake.params.quantile_method, snakemake.params.confidence_level)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(outcomes_table(numbers, study), snakemake.output.table)


def table_responders(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    warn_about_thresholds(study)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    level = snakemake.params.confidence_level
    numbers = responder_numbers(outcomes, study, level)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(responders_table(numbers, study), snakemake.output.table)
    write_table(responders_table(numbers, study, sensitivity=True), snakemake.output.sensitivity)
    write_table(definitions_table(study, level), snakemake.output.definitions)


def table_subgroups(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    present = clean_columns(snakemake.input.patients)  # a missing column is named by subgroup_analysis
    patients = read_clean(snakemake.input.patients, [c for c in study.subgroup_columns if c in present])
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    params = snakemake.params
    results, tests = subgroup_analysis(patients, outcomes, study, params.min_group_size, params.confidence_level)
    numbers = subgroup_numbers(results) | association_numbers(tests) | summary_numbers(results)
    write_fragment(numbers, snakemake.output.numbers)
    write_results(results, snakemake.output.results)
    write_table(subgroups_table(results, study), snakemake.output.table)
    write_table(associations_table(tests, study), snakemake.output.associations)


def table_attrition(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    patients = read_clean(snakemake.input.patients, PATIENT_COLUMNS)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    numbers = attrition_numbers(patients, outcomes, study)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(attrition_table(numbers, study), snakemake.output.table)


def table_maintenance(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    numbers = maintenance_numbers(outcomes, study, snakemake.params.quantile_method, snakemake.params.confidence_level)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(maintenance_table(numbers, study), snakemake.output.table)


def table_missing_data(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    settings = ImputationSettings.from_config(snakemake.params.missing_data)
    tipping = TippingPointSettings.from_config(snakemake.params.missing_data["tipping_point"])
    present = clean_columns(snakemake.input.patients)  # an absent covariate is named by missing_data_numbers
    columns = ["patient_id", *(name for name in settings.covariates if name in present)]
    patients = read_clean(snakemake.input.patients, columns)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    level = snakemake.params.confidence_level
    numbers = missing_data_numbers(patients, outcomes, study, settings, level, tipping)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(missing_data_table(responder_numbers(outcomes, study, level) | numbers, study), snakemake.output.table)
    write_table(tipping_point_table(numbers, study, tipping), snakemake.output.tipping_point)


def table_maintenance_margin(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    numbers = read_numbers([snakemake.input.outcome_numbers, snakemake.input.maintenance_numbers])
    margins = margin_numbers(numbers, study)
    write_fragment(margins, snakemake.output.numbers)
    write_table(margin_table(numbers | margins, study), snakemake.output.table)


def table_mixed_models(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    numbers = mixed_model_numbers(outcomes, study, snakemake.params.confidence_level)
    write_fragment(numbers, snakemake.output.numbers)
    table_numbers = read_numbers(snakemake.input.outcome_numbers) | numbers  # the complete-pairs change beside
    write_table(mixed_models_table(table_numbers, study), snakemake.output.table)


def table_response_model(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    covariates = snakemake.params.response_model["covariates"]
    present = clean_columns(snakemake.input.patients)  # an absent covariate is named by fit_response_models
    patients = read_clean(snakemake.input.patients, ["patient_id", *(name for name in covariates if name in present)])
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    params = snakemake.params
    models = fit_response_models(patients, outcomes, study, covariates, params.min_group_size, params.confidence_level)
    write_fragment(response_model_numbers(models), snakemake.output.numbers)
    write_table(response_model_table(models), snakemake.output.table)


def table_effect_sizes(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    outcomes = OutcomePanel.of(read_clean(snakemake.input.outcomes, study.outcome_columns))  # once, for both
    bootstrap = BootstrapSettings.from_config(snakemake.params.bootstrap)
    numbers = effect_size_numbers(outcomes, study, snakemake.params.confidence_level, bootstrap)
    write_fragment(numbers, snakemake.output.numbers)
    changes = read_numbers([snakemake.input.outcome_numbers, snakemake.input.maintenance_numbers])
    write_table(effect_sizes_table(changes | numbers, study), snakemake.output.table)
    correlations = regression_to_mean_numbers(outcomes, study)
    write_fragment(correlations, snakemake.output.regression_to_mean_numbers)
    write_table(regression_to_mean_table(correlations, study), snakemake.output.regression_to_mean)


def table_transitions(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    numbers = transition_numbers(outcomes, study)
    write_fragment(numbers, snakemake.output.numbers)
    write_table(transitions_table(numbers, study), snakemake.output.table)


def table_instrument_flow(snakemake):
    study = Study.from_declaration(snakemake.params.study)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    numbers = instrument_flow_numbers(outcomes, study)
    write_fragment(numbers, snakemake.output.numbers)
    table_numbers = read_numbers(snakemake.input.outcome_numbers) | numbers  # Table 4's n at each time point
    write_table(instrument_flow_table(table_numbers, study), snakemake.output.table)
