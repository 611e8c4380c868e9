from rehab.script_support import run


def main(snakemake):
    from rehab.figures import responders_figure
    from rehab.numbers import read_numbers
    from rehab.plotting_style import save_figure
    from rehab.study import Study

    study = Study.from_declaration(snakemake.params.study)
    figure = responders_figure(read_numbers(snakemake.input.numbers), study, snakemake.params.confidence_level)
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
