"""Rule clean_tables: check the quarantine limit, then write the typed clean tables."""

from pathlib import Path

from rehab.analysis.clean_inputs import read_accounting
from rehab.core.safe_io import read_raw_text_csv
from rehab.core.study import Study
from rehab.ingest.cleaning import CLEAN_TABLES, clean_export, read_kept, write_clean
from rehab.ingest.validation_outputs import check_quarantine_limit, unreadable_dates
from rehab.workflow.script_support import run


def main(snakemake):
    accounting = snakemake.input.accounting
    kept_paths = {name: snakemake.input[f"kept_{name}"] for name in ("patients", "sessions", "outcomes")}
    check_quarantine_limit(
        read_accounting(accounting),
        snakemake.params.max_quarantine_share,
        snakemake.params.cohort,
        Path(accounting).parent,
        unreadable=unreadable_dates(
            read_raw_text_csv(snakemake.input.failures, usecols=["file", "column", "value", "check"]), kept_paths
        ),
        date_format=snakemake.params.date_format,
    )
    # no name holds the kept frames: they are freed before the clean tables are written
    study = Study.from_declaration(snakemake.params.study)
    write_clean(clean_export(read_kept(kept_paths), study), {name: snakemake.output[name] for name in CLEAN_TABLES})


run(snakemake, main)  # noqa: F821 - injected by Snakemake
