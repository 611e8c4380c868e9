from rehab.workflow.script_support import run


def main(snakemake):
    from pathlib import Path

    from rehab.core.safe_io import read_raw_text_csv
    from rehab.core.study import Study
    from rehab.outputs.report import ReportInputs, write_report

    inputs = ReportInputs(
        cohort=snakemake.params.cohort_name,
        numbers=snakemake.input.numbers,
        reproduction=snakemake.input.reproduction,
        accounting=snakemake.input.accounting,
        failures=snakemake.input.failures,
        provenance=snakemake.input.provenance,
        # a table or figure the cohort's export cannot feed (no visit file) is left out
        tables=[Path(path) for path in snakemake.input.tables if Path(path).stem not in snakemake.params.omitted],
        figures=[Path(path) for path in snakemake.input.figures if Path(path).stem not in snakemake.params.omitted],
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
            "omitted": list(snakemake.params.omitted),
            "mapping": read_raw_text_csv(snakemake.input.mapping),
        },
    )
    write_report(inputs, Path(snakemake.input.template).parent, snakemake.output.report)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
