# Stage: the paper's tables (Table 1-4, program) and their numbers.csv fragments, plus the
# flow and validation numbers. Each table is rendered from the numbers its rule computes.

CLEAN = "results/{cohort}/clean"
TOP_COMBINATIONS = 10


rule table_codebook:
    input:
        codebook=config["codebook"],
        code=script_code("table_codebook.py"),
    output:
        table=report(
            "results/{cohort}/tables/table1_codebook.csv",
            category="Tables",
            caption="../report/table1_codebook.rst",
        ),
    log:
        "results/{cohort}/logs/table_codebook.log",
    benchmark:
        "results/{cohort}/benchmarks/table_codebook.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/table_codebook.py"


rule table_baseline:
    input:
        patients=f"{CLEAN}/patients.parquet",
        outcomes=f"{CLEAN}/outcomes.parquet",
        code=script_code("table_baseline.py"),
    output:
        table=report(
            "results/{cohort}/tables/table2_baseline.csv",
            category="Tables",
            caption="../report/table2_baseline.rst",
        ),
        numbers="results/{cohort}/numbers/baseline.csv",
    log:
        "results/{cohort}/logs/table_baseline.log",
    benchmark:
        "results/{cohort}/benchmarks/table_baseline.tsv"
    conda:
        "../../environment.yml"
    params:
        study=get_study_measures,
        quantile_method=lambda wildcards: quantile_method(wildcards.cohort),
    script:
        "../scripts/table_baseline.py"


rule table_interventions:
    input:
        patients=f"{CLEAN}/patients.parquet",
        sessions=f"{CLEAN}/sessions.parquet",
        session_interventions=f"{CLEAN}/session_interventions.parquet",
        codebook=config["codebook"],
        code=script_code("table_interventions.py"),
    output:
        table=report(
            "results/{cohort}/tables/table3_interventions.csv",
            category="Tables",
            caption="../report/table3_interventions.rst",
        ),
        combinations=report(
            "results/{cohort}/tables/table3_combinations.csv",
            category="Tables",
            caption="../report/table3_combinations.rst",
        ),
        numbers="results/{cohort}/numbers/interventions.csv",
    log:
        "results/{cohort}/logs/table_interventions.log",
    benchmark:
        "results/{cohort}/benchmarks/table_interventions.tsv"
    conda:
        "../../environment.yml"
    params:
        top_combinations=TOP_COMBINATIONS,
    script:
        "../scripts/table_interventions.py"


rule table_program:
    input:
        patients=f"{CLEAN}/patients.parquet",
        session_interventions=f"{CLEAN}/session_interventions.parquet",
        code=script_code("table_program.py"),
    output:
        table=report(
            "results/{cohort}/tables/table3_program.csv",
            category="Tables",
            caption="../report/table3_program.rst",
        ),
        numbers="results/{cohort}/numbers/program.csv",
    log:
        "results/{cohort}/logs/table_program.log",
    benchmark:
        "results/{cohort}/benchmarks/table_program.tsv"
    conda:
        "../../environment.yml"
    params:
        quantile_method=lambda wildcards: quantile_method(wildcards.cohort),
    script:
        "../scripts/table_program.py"


rule table_outcomes:
    input:
        outcomes=f"{CLEAN}/outcomes.parquet",
        code=script_code("table_outcomes.py"),
    output:
        table=report(
            "results/{cohort}/tables/table4_outcomes.csv",
            category="Tables",
            caption="../report/table4_outcomes.rst",
        ),
        numbers="results/{cohort}/numbers/outcomes.csv",
    log:
        "results/{cohort}/logs/table_outcomes.log",
    benchmark:
        "results/{cohort}/benchmarks/table_outcomes.tsv"
    conda:
        "../../environment.yml"
    params:
        study=get_study_measures,
        quantile_method=lambda wildcards: quantile_method(wildcards.cohort),
        confidence_level=config["analysis"]["confidence_level"],
    script:
        "../scripts/table_outcomes.py"


rule table_flow:
    input:
        patients=f"{CLEAN}/patients.parquet",
        sessions=f"{CLEAN}/sessions.parquet",
        outcomes=f"{CLEAN}/outcomes.parquet",
        code=script_code("table_flow.py"),
    output:
        numbers="results/{cohort}/numbers/flow.csv",
    log:
        "results/{cohort}/logs/table_flow.log",
    benchmark:
        "results/{cohort}/benchmarks/table_flow.tsv"
    conda:
        "../../environment.yml"
    params:
        study=get_study_measures,
        quantile_method=lambda wildcards: quantile_method(wildcards.cohort),
    script:
        "../scripts/table_flow.py"


rule table_validation:
    input:
        accounting="results/{cohort}/validation/accounting.csv",
        code=script_code("table_validation.py"),
    output:
        numbers="results/{cohort}/numbers/validation.csv",
    log:
        "results/{cohort}/logs/table_validation.log",
    benchmark:
        "results/{cohort}/benchmarks/table_validation.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/table_validation.py"


rule table_methods:
    input:
        code=script_code("table_methods.py"),
    output:
        table=report(
            "results/{cohort}/tables/methods.csv",
            category="Tables",
            caption="../report/methods.rst",
        ),
    log:
        "results/{cohort}/logs/table_methods.log",
    benchmark:
        "results/{cohort}/benchmarks/table_methods.tsv"
    conda:
        "../../environment.yml"
    params:
        quantile_method=lambda wildcards: quantile_method(wildcards.cohort),
        confidence_level=config["analysis"]["confidence_level"],
    script:
        "../scripts/table_methods.py"
