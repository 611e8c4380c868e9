from rehab.script_support import run


def main(snakemake):
    from rehab.analysis_io import read_accounting
    from rehab.figures import patient_flow_figure
    from rehab.numbers import read_numbers
    from rehab.plotting_style import save_figure
    from rehab.study import Study

    study = Study.from_declaration(snakemake.params.study)
    figure = patient_flow_figure(
        read_numbers(snakemake.input.numbers), read_accounting(snakemake.input.accounting), study
    )
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
