from rehab.script_support import run


def main(snakemake):
    from rehab.codebook import load_codebook
    from rehab.figures import intervention_categories_figure
    from rehab.numbers import read_numbers
    from rehab.plotting_style import save_figure

    figure = intervention_categories_figure(
        read_numbers(snakemake.input.numbers), load_codebook(snakemake.input.codebook)
    )
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
