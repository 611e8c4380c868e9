"""Rule render_report: the self-contained report.html and the Word tables (tables.docx) of one
cohort (rehab.outputs.report, rehab.outputs.word_tables)."""

from rehab.workflow.script_support import run


def main(snakemake):
    from pathlib import Path

    from rehab.core.safe_io import read_raw_text_csv
    from rehab.core.study import Study
    from rehab.outputs.report import ReportInputs, write_outputs

    inputs = ReportInputs(
        cohort=snakemake.params.cohort_name,
        folder=Path(snakemake.input.numbers).parent,  # the cohort's folder: every declared file lies in it
        numbers=snakemake.input.numbers,
        reproduction=snakemake.input.reproduction[0] if snakemake.input.reproduction else None,
        accounting=snakemake.input.accounting,
        failures=snakemake.input.failures,
        provenance=snakemake.input.provenance,
        settings_table=snakemake.input.settings_table,
        study=Study.from_declaration(snakemake.params.study),
        settings={
            "title": snakemake.params.title,
            "synthetic": snakemake.params.synthetic,
            "synthetic_settings": snakemake.params.synthetic_settings,
            "reproduction": snakemake.params.reproduction,
            "compare_with_published": snakemake.params.compare_with_published,
            "quantile_method": snakemake.params.quantile_method,
            "confidence_level": snakemake.params.confidence_level,
            "subgroups": snakemake.params.subgroups,
            "missing_data": snakemake.params.missing_data,
            "response_model": snakemake.params.response_model,
            "quarantine_dir": snakemake.params.quarantine_dir,
            "max_quarantine_share": snakemake.params.max_quarantine_share,
            "omitted": list(snakemake.params.omitted),
            "mapping": read_raw_text_csv(snakemake.input.mapping),
        },
    )
    write_outputs(inputs, Path(snakemake.input.template).parent, snakemake.output.report, snakemake.output.word_tables)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
