# Stage: responders at every time point after the baseline (the responder definitions of the
# study's instruments), the sensitivity analysis, and responder proportions by the study's
# subgroups.


rule table_responders:
    input:
        outcomes="results/{cohort}/clean/outcomes.parquet",
        code=script_code("table_responders.py"),
    output:
        table=report(
            "results/{cohort}/tables/responders.csv",
            category="Tables",
            caption="../report/responders.rst",
        ),
        sensitivity=report(
            "results/{cohort}/tables/responders_sensitivity.csv",
            category="Tables",
            caption="../report/responders_sensitivity.rst",
        ),
        definitions=report(
            "results/{cohort}/tables/responder_definitions.csv",
            category="Tables",
            caption="../report/responder_definitions.rst",
        ),
        numbers="results/{cohort}/numbers/responders.csv",
    log:
        "results/{cohort}/logs/table_responders.log",
    benchmark:
        "results/{cohort}/benchmarks/table_responders.tsv"
    conda:
        "../../environment.yml"
    params:
        study=get_study,
        confidence_level=config["analysis"]["confidence_level"],
    script:
        "../scripts/table_responders.py"


rule table_subgroups:
    input:
        patients="results/{cohort}/clean/patients.parquet",
        outcomes="results/{cohort}/clean/outcomes.parquet",
        code=script_code("table_subgroups.py"),
    output:
        table=report(
            "results/{cohort}/tables/subgroups.csv",
            category="Tables",
            caption="../report/subgroups.rst",
        ),
        interactions=report(
            "results/{cohort}/tables/subgroup_interactions.csv",
            category="Tables",
            caption="../report/subgroup_interactions.rst",
        ),
        results="results/{cohort}/analysis/subgroups.csv",
        numbers="results/{cohort}/numbers/subgroups.csv",
    log:
        "results/{cohort}/logs/table_subgroups.log",
    benchmark:
        "results/{cohort}/benchmarks/table_subgroups.tsv"
    conda:
        "../../environment.yml"
    params:
        study=get_study,
        min_group_size=config["analysis"]["subgroups"]["min_group_size"],
        confidence_level=config["analysis"]["confidence_level"],
    script:
        "../scripts/table_subgroups.py"
