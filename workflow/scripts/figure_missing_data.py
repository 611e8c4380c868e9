from rehab.script_support import run


def main(snakemake):
    from rehab.figures import missing_data_figure
    from rehab.missing_data import SCENARIO_LABELS, scenario_estimates
    from rehab.numbers import read_numbers
    from rehab.plotting_style import save_figure
    from rehab.study import Study

    study = Study.from_declaration(snakemake.params.study)
    estimates = scenario_estimates(read_numbers(snakemake.input.numbers), study)
    figure = missing_data_figure(estimates, study, SCENARIO_LABELS, snakemake.params.confidence_level)
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
