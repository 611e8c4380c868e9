from rehab.script_support import run


def main(snakemake):
    import pandas as pd

    from rehab.figures import outcomes_figure
    from rehab.plotting_style import save_figure

    outcomes = pd.read_parquet(snakemake.input.outcomes, columns=["patient_id", "timepoint", "nprs", "dri", "eq_vas"])
    figure = outcomes_figure(outcomes, snakemake.params.quantile_method)
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
