# Stage: missing follow-up values in the responder analysis: complete case, worst and best
# case, multiple imputation under MAR (rehab.missing_data), as a table and a figure.


rule table_missing_data:
    input:
        patients="results/{cohort}/clean/patients.parquet",
        outcomes="results/{cohort}/clean/outcomes.parquet",
        code=script_code("table_missing_data.py"),
    output:
        table=report(
            "results/{cohort}/tables/missing_data.csv",
            category="Tables",
            caption="../report/missing_data.rst",
        ),
        numbers="results/{cohort}/numbers/missing_data.csv",
    log:
        "results/{cohort}/logs/table_missing_data.log",
    benchmark:
        "results/{cohort}/benchmarks/table_missing_data.tsv"
    conda:
        "../../environment.yml"
    params:
        study=get_study,
        confidence_level=config["analysis"]["confidence_level"],
        missing_data=config["analysis"]["missing_data"],
    script:
        "../scripts/table_missing_data.py"


rule figure_missing_data:
    input:
        numbers="results/{cohort}/numbers.csv",
        code=script_code("figure_missing_data.py"),
    output:
        **figure_outputs("missing_data"),
    log:
        "results/{cohort}/logs/figure_missing_data.log",
    benchmark:
        "results/{cohort}/benchmarks/figure_missing_data.tsv"
    conda:
        "../../environment.yml"
    params:
        study=get_study,
        confidence_level=config["analysis"]["confidence_level"],
    script:
        "../scripts/figure_missing_data.py"
