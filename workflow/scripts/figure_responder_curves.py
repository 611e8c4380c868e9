from rehab.script_support import run


def main(snakemake):
    from rehab.analysis_io import read_clean
    from rehab.figures import responder_curves_figure
    from rehab.plotting_style import save_figure
    from rehab.responders import responder_curves
    from rehab.study import Study

    study = Study.from_declaration(snakemake.params.study)
    outcomes = read_clean(snakemake.input.outcomes, study.outcome_columns)
    save_figure(
        responder_curves_figure(responder_curves(outcomes, study), study), snakemake.output.png, snakemake.output.svg
    )


run(snakemake, main)  # noqa: F821 - injected by Snakemake
