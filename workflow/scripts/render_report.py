from rehab.workflow.script_support import run


def main(snakemake):
    from pathlib import Path

    from rehab.core.study import Study
    from rehab.outputs.report import ReportInputs, write_report

    inputs = ReportInputs(
        cohort=snakemake.params.cohort_name,
        numbers=snakemake.input.numbers,
        reproduction=snakemake.input.reproduction,
        accounting=snakemake.input.accounting,
        failures=snakemake.input.failures,
        provenance=snakemake.input.provenance,
        tables=[Path(path) for path in snakemake.input.tables],
        figures=[Path(path) for path in snakemake.input.figures],
        study=Study.from_declaration(snakemake.params.study),
        settings={
            "synthetic": snakemake.params.synthetic,
            "synthetic_settings": snakemake.params.synthetic_settings,
            "reproduction": snakemake.params.reproduction,
            "compare_with_published": snakemake.params.compare_with_published,
            "quantile_method": snakemake.params.quantile_method,
            "confidence_level": snakemake.params.confidence_level,
            "subgroups": snakemake.params.subgroups,
            "missing_data": snakemake.params.missing_data,
            "quarantine_dir": snakemake.params.quarantine_dir,
            "max_quarantine_share": snakemake.params.max_quarantine_share,
        },
    )
    write_report(inputs, Path(snakemake.input.template).parent, snakemake.output.report)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
