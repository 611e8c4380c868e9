from rehab.script_support import run


def main(snakemake):
    from rehab.figures import read_subgroup_results, subgroups_forest_figure
    from rehab.plotting_style import save_figure
    from rehab.study import Study

    rows = read_subgroup_results(snakemake.input.subgroups)
    figure = subgroups_forest_figure(
        rows,
        Study.from_declaration(snakemake.params.study),
        snakemake.params.min_group_size,
        snakemake.params.confidence_level,
    )
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
