from rehab.script_support import run


def main(snakemake):
    import pandas as pd

    from rehab.figures import sessions_per_patient_figure
    from rehab.numbers import read_numbers
    from rehab.plotting_style import save_figure

    patients = pd.read_parquet(snakemake.input.patients, columns=["n_sessions"])
    figure = sessions_per_patient_figure(patients, read_numbers(snakemake.input.numbers))
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
