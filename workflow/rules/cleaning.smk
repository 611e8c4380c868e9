# Stage: stop when too much was quarantined, then build the typed clean tables
# (docs/architecture.md, "The clean tables"; schemas/clean.py).


rule clean_tables:
    input:
        accounting="results/{cohort}/validation/accounting.csv",
        failures="results/{cohort}/validation/failures.csv",
        kept_patients="results/{cohort}/validation/kept/patients.parquet",
        kept_sessions="results/{cohort}/validation/kept/sessions.parquet",
        kept_outcomes="results/{cohort}/validation/kept/outcomes.parquet",
    output:
        patients="results/{cohort}/clean/patients.parquet",
        sessions="results/{cohort}/clean/sessions.parquet",
        session_interventions="results/{cohort}/clean/session_interventions.parquet",
        outcomes="results/{cohort}/clean/outcomes.parquet",
    log:
        "results/{cohort}/logs/clean_tables.log",
    benchmark:
        "results/{cohort}/benchmarks/clean_tables.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    params:
        code=code_version("clean_tables"),
        max_quarantine_share=lambda wildcards: cohort_config(wildcards.cohort)["max_quarantine_share"],
        cohort=lambda wildcards: wildcards.cohort,
        date_format=lambda wildcards: dialect(wildcards.cohort)["date_format"],
        study=get_study_data,
    script:
        script_for("clean_tables")
