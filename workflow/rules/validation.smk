# Stage: validate the raw export against its contract (schemas/raw_export.py; the outcomes
# file's time points and instrument columns as the cohort's study declares them).
# The export is read through the cohort's mapping (rehab.ingest.mapping: its sources, names,
# codes and layout). Writes the failures, the quarantined rows, the accounting, the mapping
# used and the kept rows as typed Parquet. A file-level error, or a declared column the export
# lacks, stops here with its one-paragraph message.


rule validate_raw_export:
    input:
        unpack(raw_files_to_validate),
        codebook=config["codebook"],
    output:
        failures=report(
            "results/{cohort}/validation/failures.csv",
            category="Validation",
            caption="../report/validation_failures.rst",
        ),
        accounting=report(
            "results/{cohort}/validation/accounting.csv",
            category="Validation",
            caption="../report/validation_accounting.rst",
        ),
        columns=report(
            "results/{cohort}/validation/columns.csv",
            category="Validation",
            caption="../report/validation_columns.rst",
        ),
        mapping="results/{cohort}/validation/mapping.csv",
        quarantine_patients="results/{cohort}/validation/quarantine/patients.csv",
        quarantine_sessions="results/{cohort}/validation/quarantine/sessions.csv",
        quarantine_outcomes="results/{cohort}/validation/quarantine/outcomes.csv",
        kept_patients="results/{cohort}/validation/kept/patients.parquet",
        kept_sessions="results/{cohort}/validation/kept/sessions.parquet",
        kept_outcomes="results/{cohort}/validation/kept/outcomes.parquet",
    log:
        "results/{cohort}/logs/validate_raw_export.log",
    benchmark:
        "results/{cohort}/benchmarks/validate_raw_export.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    params:
        code=code_version("validate_raw_export"),
        folder=lambda wildcards: raw_export_dir(wildcards.cohort),
        dialect=lambda wildcards: dialect(wildcards.cohort),
        export=lambda wildcards: export_config(wildcards.cohort),
        study_keys=lambda wildcards: study_keys(wildcards.cohort),
        max_record_lines=lambda wildcards: cohort_config(wildcards.cohort)["max_record_lines"],
        study=get_study_data,
    script:
        script_for("validate_raw_export")
