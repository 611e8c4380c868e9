# Stage: the report's figures, PNG and SVG, drawn by rehab.figures (one rule per figure).


rule figure_patient_flow:
    input:
        numbers="results/{cohort}/numbers.csv",
        accounting="results/{cohort}/validation/accounting.csv",
        code=script_code("figure_patient_flow.py"),
    output:
        **figure_outputs("patient_flow"),
    log:
        "results/{cohort}/logs/figure_patient_flow.log",
    benchmark:
        "results/{cohort}/benchmarks/figure_patient_flow.tsv"
    conda:
        "../../environment.yml"
    params:
        study=get_study,
    script:
        "../scripts/figure_patient_flow.py"


rule figure_intervention_categories:
    input:
        numbers="results/{cohort}/numbers.csv",
        codebook=config["codebook"],
        code=script_code("figure_intervention_categories.py"),
    output:
        **figure_outputs("intervention_categories"),
    log:
        "results/{cohort}/logs/figure_intervention_categories.log",
    benchmark:
        "results/{cohort}/benchmarks/figure_intervention_categories.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/figure_intervention_categories.py"


rule figure_outcomes:
    input:
        outcomes="results/{cohort}/clean/outcomes.parquet",
        code=script_code("figure_outcomes.py"),
    output:
        **figure_outputs("outcomes"),
    log:
        "results/{cohort}/logs/figure_outcomes.log",
    benchmark:
        "results/{cohort}/benchmarks/figure_outcomes.tsv"
    conda:
        "../../environment.yml"
    params:
        quantile_method=lambda wildcards: quantile_method(wildcards.cohort),
        study=get_study,
    script:
        "../scripts/figure_outcomes.py"


rule figure_responders:
    input:
        numbers="results/{cohort}/numbers.csv",
        code=script_code("figure_responders.py"),
    output:
        **figure_outputs("responders"),
    log:
        "results/{cohort}/logs/figure_responders.log",
    benchmark:
        "results/{cohort}/benchmarks/figure_responders.tsv"
    conda:
        "../../environment.yml"
    params:
        study=get_study,
        confidence_level=config["analysis"]["confidence_level"],
    script:
        "../scripts/figure_responders.py"


rule figure_sessions_per_patient:
    input:
        patients="results/{cohort}/clean/patients.parquet",
        numbers="results/{cohort}/numbers.csv",
        code=script_code("figure_sessions_per_patient.py"),
    output:
        **figure_outputs("sessions_per_patient"),
    log:
        "results/{cohort}/logs/figure_sessions_per_patient.log",
    benchmark:
        "results/{cohort}/benchmarks/figure_sessions_per_patient.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/figure_sessions_per_patient.py"


rule figure_subgroups_forest:
    input:
        subgroups="results/{cohort}/analysis/subgroups.csv",
        code=script_code("figure_subgroups_forest.py"),
    output:
        **figure_outputs("subgroups_forest"),
    log:
        "results/{cohort}/logs/figure_subgroups_forest.log",
    benchmark:
        "results/{cohort}/benchmarks/figure_subgroups_forest.tsv"
    conda:
        "../../environment.yml"
    params:
        study=get_study,
        min_group_size=config["analysis"]["subgroups"]["min_group_size"],
        confidence_level=config["analysis"]["confidence_level"],
    script:
        "../scripts/figure_subgroups_forest.py"


rule figure_responder_curves:
    input:
        outcomes="results/{cohort}/clean/outcomes.parquet",
        code=script_code("figure_responder_curves.py"),
    output:
        **figure_outputs("responder_curves"),
    log:
        "results/{cohort}/logs/figure_responder_curves.log",
    benchmark:
        "results/{cohort}/benchmarks/figure_responder_curves.tsv"
    conda:
        "../../environment.yml"
    params:
        study=get_study,
    script:
        "../scripts/figure_responder_curves.py"
