"""The figure stages (rules `outcome_figures`, `program_figures`, `responder_figures`): one
function per step.

Each function is the `main` of the step's former rule script; `snakemake` is the step's view
(rehab.workflow.stages, which runs the steps and says what each sees). The steps are declared in
workflow/rules/.
"""


def figure_patient_flow(snakemake):
    from rehab.analysis.clean_inputs import read_accounting
    from rehab.core.study import Study
    from rehab.outputs.figures import patient_flow_figure
    from rehab.outputs.numbers import read_numbers
    from rehab.outputs.plotting_style import save_figure

    study = Study.from_declaration(snakemake.params.study)
    figure = patient_flow_figure(
        read_numbers(snakemake.input.numbers), read_accounting(snakemake.input.accounting), study
    )
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


def figure_intervention_categories(snakemake):
    from rehab.ingest.codebook import read_codebook_table
    from rehab.outputs.figures import intervention_categories_figure
    from rehab.outputs.numbers import read_numbers
    from rehab.outputs.plotting_style import save_figure

    figure = intervention_categories_figure(
        read_numbers(snakemake.input.numbers), read_codebook_table(snakemake.input.codebook_table)
    )
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


def figure_outcomes(snakemake):
    import pandas as pd

    from rehab.core.study import Study
    from rehab.outputs.figures import outcomes_figure
    from rehab.outputs.plotting_style import save_figure

    study = Study.from_declaration(snakemake.params.study)
    outcomes = pd.read_parquet(snakemake.input.outcomes, columns=["patient_id", "timepoint", *study.instrument_names])
    figure = outcomes_figure(outcomes, study, snakemake.params.quantile_method)
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


def figure_responders(snakemake):
    from rehab.core.study import Study
    from rehab.outputs.figures import responders_figure
    from rehab.outputs.numbers import read_numbers
    from rehab.outputs.plotting_style import save_figure

    study = Study.from_declaration(snakemake.params.study)
    figure = responders_figure(read_numbers(snakemake.input.numbers), study, snakemake.params.confidence_level)
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


def figure_sessions_per_patient(snakemake):
    import pandas as pd

    from rehab.outputs.figures import sessions_per_patient_figure
    from rehab.outputs.numbers import read_numbers
    from rehab.outputs.plotting_style import save_figure

    patients = pd.read_parquet(snakemake.input.patients, columns=["n_sessions"])
    figure = sessions_per_patient_figure(patients, read_numbers(snakemake.input.numbers))
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


def figure_subgroups_forest(snakemake):
    from rehab.core.study import Study
    from rehab.outputs.figures import read_subgroup_results, subgroups_forest_figure
    from rehab.outputs.plotting_style import save_figure

    rows = read_subgroup_results(snakemake.input.subgroups)
    figure = subgroups_forest_figure(
        rows,
        Study.from_declaration(snakemake.params.study),
        snakemake.params.min_group_size,
        snakemake.params.confidence_level,
    )
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


def figure_responder_curves(snakemake):
    from rehab.analysis.clean_inputs import read_clean
    from rehab.analysis.responders import responder_curves
    from rehab.core.study import Study
    from rehab.outputs.figures import responder_curves_figure
    from rehab.outputs.plotting_style import save_figure

    study = Study.from_declaration(snakemake.params.study)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    save_figure(
        responder_curves_figure(responder_curves(outcomes, study), study), snakemake.output.png, snakemake.output.svg
    )


def figure_missing_data(snakemake):
    from rehab.analysis.missing_data import SCENARIO_LABELS, scenario_estimates
    from rehab.core.study import Study
    from rehab.outputs.figures import missing_data_figure
    from rehab.outputs.numbers import read_numbers
    from rehab.outputs.plotting_style import save_figure

    study = Study.from_declaration(snakemake.params.study)
    estimates = scenario_estimates(read_numbers(snakemake.input.numbers), study)
    figure = missing_data_figure(estimates, study, SCENARIO_LABELS, snakemake.params.confidence_level)
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


def figure_tipping_point(snakemake):
    from rehab.analysis.missing_data import TippingPointSettings, tipping_point_estimates
    from rehab.core.study import Study
    from rehab.outputs.figures_statistics import tipping_point_figure
    from rehab.outputs.numbers import read_numbers
    from rehab.outputs.plotting_style import save_figure

    study = Study.from_declaration(snakemake.params.study)
    tipping = TippingPointSettings.from_config(snakemake.params.tipping_point)
    estimates = tipping_point_estimates(read_numbers(snakemake.input.numbers), study, tipping)
    figure = tipping_point_figure(estimates, study, tipping.min_responder_pct, snakemake.params.confidence_level)
    save_figure(figure, snakemake.output.png, snakemake.output.svg)
