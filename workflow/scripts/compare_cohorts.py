"""Snakemake script: compare the cohorts' key numbers side by side."""

from rehab.core.safe_io import write_csv
from rehab.core.study import Study
from rehab.outputs.comparison import comparison_numbers, comparison_table, render_comparison_report, responder_figure
from rehab.outputs.numbers import read_numbers
from rehab.workflow.script_support import run


def main(snakemake):
    numbers_by_cohort = {
        cohort: read_numbers(path)
        for cohort, path in zip(snakemake.params.cohorts, snakemake.input.numbers, strict=False)
    }
    studies = {cohort: Study.from_declaration(snakemake.params.studies[cohort]) for cohort in snakemake.params.cohorts}
    table = comparison_table(numbers_by_cohort, studies)
    write_csv(table, snakemake.output.table)
    write_csv(comparison_numbers(numbers_by_cohort, studies), snakemake.output.numbers)
    responder_figure(numbers_by_cohort, studies, snakemake.output.png, snakemake.output.svg)
    render_comparison_report(
        table, snakemake.output.png, snakemake.input.template, snakemake.output.report, studies, snakemake.params.name
    )


run(snakemake, main)  # noqa: F821 - injected by Snakemake
