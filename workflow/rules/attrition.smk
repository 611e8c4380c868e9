# Stage: attrition and maintenance. Completers against non-completers at every time point
# after the baseline, and the paired change from each such time point to the next one.


rule table_attrition:
    input:
        patients="results/{cohort}/clean/patients.parquet",
        outcomes="results/{cohort}/clean/outcomes.parquet",
        code=script_code("table_attrition.py"),
    output:
        table=report(
            "results/{cohort}/tables/attrition.csv",
            category="Tables",
            caption="../report/attrition.rst",
        ),
        numbers="results/{cohort}/numbers/attrition.csv",
    log:
        "results/{cohort}/logs/table_attrition.log",
    benchmark:
        "results/{cohort}/benchmarks/table_attrition.tsv"
    conda:
        "../../environment.yml"
    params:
        study=get_study_measures,
    script:
        "../scripts/table_attrition.py"


rule table_maintenance:
    input:
        outcomes="results/{cohort}/clean/outcomes.parquet",
        code=script_code("table_maintenance.py"),
    output:
        table=report(
            "results/{cohort}/tables/maintenance.csv",
            category="Tables",
            caption="../report/maintenance.rst",
        ),
        numbers="results/{cohort}/numbers/maintenance.csv",
    log:
        "results/{cohort}/logs/table_maintenance.log",
    benchmark:
        "results/{cohort}/benchmarks/table_maintenance.tsv"
    conda:
        "../../environment.yml"
    params:
        study=get_study_measures,
        quantile_method=lambda wildcards: quantile_method(wildcards.cohort),
        confidence_level=config["analysis"]["confidence_level"],
    script:
        "../scripts/table_maintenance.py"
