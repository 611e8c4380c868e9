from rehab.script_support import run


def main(snakemake):
    from rehab.figures import read_numbers, responders_figure
    from rehab.plotting_style import save_figure

    figure = responders_figure(
        read_numbers(snakemake.input.numbers), snakemake.params.labels, snakemake.params.confidence_level
    )
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
