from rehab.script_support import run


def main(snakemake):
    import pandas as pd

    from rehab.figures import outcomes_figure
    from rehab.plotting_style import save_figure
    from rehab.study import Study

    study = Study.from_declaration(snakemake.params.study)
    outcomes = pd.read_parquet(snakemake.input.outcomes, columns=["patient_id", "timepoint", *study.instrument_names])
    figure = outcomes_figure(outcomes, study, snakemake.params.quantile_method)
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
