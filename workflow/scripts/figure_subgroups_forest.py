from rehab.script_support import run


def main(snakemake):
    from rehab.figures import read_numbers, subgroup_rows_from_numbers, subgroups_forest_figure
    from rehab.plotting_style import save_figure

    rows = subgroup_rows_from_numbers(read_numbers(snakemake.input.numbers), snakemake.params.min_group_size)
    figure = subgroups_forest_figure(rows, snakemake.params.labels, snakemake.params.min_group_size)
    save_figure(figure, snakemake.output.png, snakemake.output.svg)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
