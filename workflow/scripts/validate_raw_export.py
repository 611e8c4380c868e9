"""Rule validate_raw_export: validate the three raw files and write the validation results."""

from rehab.core.export_contract import RAW_FILES
from rehab.core.safe_io import write_csv
from rehab.core.study import Study
from rehab.ingest.codebook import codebook_codes
from rehab.ingest.mapping import ExportMapping, mapping_table
from rehab.ingest.validation import validate_export
from rehab.ingest.validation_outputs import write_validation_outputs
from rehab.workflow.script_support import run


def main(snakemake):
    out = snakemake.output
    study = Study.from_declaration(snakemake.params.study)
    results = validate_export(
        snakemake.params.folder,
        snakemake.params.dialect,
        study,
        codebook_codes(snakemake.input.codebook),
        cohort=snakemake.wildcards.cohort,
        max_record_lines=snakemake.params.max_record_lines,
        export=snakemake.params.export,
        study_keys=snakemake.params.study_keys,
    )
    mapping = ExportMapping.of(snakemake.params.export, study, snakemake.wildcards.cohort)
    write_csv(
        mapping_table({name: result.table for name, result in results.items()}, mapping), out.mapping, raw_text=True
    )
    write_validation_outputs(
        results,
        failures=out.failures,
        accounting_path=out.accounting,
        columns=out.columns,
        quarantine={name: out[f"quarantine_{name}"] for name in RAW_FILES},
        kept={name: out[f"kept_{name}"] for name in RAW_FILES},
    )


run(snakemake, main)  # noqa: F821 - injected by Snakemake
