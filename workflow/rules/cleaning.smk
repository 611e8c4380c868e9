# Stage: stop when too much was quarantined, then build the typed clean tables
# (docs/architecture.md, "The clean tables"; schemas/clean.py).


rule clean_tables:
    input:
        accounting="results/{cohort}/validation/accounting.csv",
        failures="results/{cohort}/validation/failures.csv",
        kept_patients="results/{cohort}/validation/kept/patients.parquet",
        kept_sessions="results/{cohort}/validation/kept/sessions.parquet",
        kept_outcomes="results/{cohort}/validation/kept/outcomes.parquet",
        code=script_code("clean_tables.py"),
    output:
        patients="results/{cohort}/clean/patients.parquet",
        sessions="results/{cohort}/clean/sessions.parquet",
        session_interventions="results/{cohort}/clean/session_interventions.parquet",
        outcomes="results/{cohort}/clean/outcomes.parquet",
    log:
        "results/{cohort}/logs/clean_tables.log",
        benchmark="results/{cohort}/benchmarks/clean_tables.tsv",
    conda:
        "../../environment.yml"
    params:
        max_quarantine_share=lambda wildcards: cohort_config(wildcards.cohort).get("max_quarantine_share", 0.05),
        cohort=lambda wildcards: wildcards.cohort,
        date_format=lambda wildcards: dialect(wildcards.cohort).get("date_format", "%Y-%m-%d"),
        study=get_study_measures,
    script:
        "../scripts/clean_tables.py"
