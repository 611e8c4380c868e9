# Stage: the outcome responder analysis — Table 4 (outcomes), responders at every time point
# after the baseline with the sensitivity analysis, responders by the study's subgroups,
# attrition (completers against non-completers), maintenance (change from each later time
# point to the next) and missing follow-up data (complete, worst and best case, multiple
# imputation) — with their numbers.csv fragments. One job runs the steps (rehab.workflow.stages);
# each step keeps its own log and benchmark (common.smk, "stages").

CLEAN_PATIENTS = "results/{cohort}/clean/patients.parquet"
CLEAN_OUTCOMES = "results/{cohort}/clean/outcomes.parquet"
CONFIDENCE_LEVEL = config["analysis"]["confidence_level"]

OUTCOME_ANALYSIS = {
    "table_outcomes": {
        "input": {"outcomes": CLEAN_OUTCOMES},
        "output": report_outputs("table_outcomes", numbers="results/{cohort}/numbers/outcomes.csv"),
        "params": {
            "study": get_study_measures,
            "quantile_method": get_quantile_method,
            "confidence_level": CONFIDENCE_LEVEL,
        },
    },
    "table_responders": {
        "input": {"outcomes": CLEAN_OUTCOMES},
        "output": report_outputs(
            "table_responders",
            definitions="results/{cohort}/tables/responder_definitions.csv",
            numbers="results/{cohort}/numbers/responders.csv",
        ),
        "params": {"study": get_study, "confidence_level": CONFIDENCE_LEVEL},
    },
    "table_subgroups": {
        "input": {"patients": CLEAN_PATIENTS, "outcomes": CLEAN_OUTCOMES},
        "output": report_outputs(
            "table_subgroups",
            results="results/{cohort}/analysis/subgroups.csv",
            numbers="results/{cohort}/numbers/subgroups.csv",
        ),
        "params": {
            "study": get_study,
            "min_group_size": config["analysis"]["subgroups"]["min_group_size"],
            "confidence_level": CONFIDENCE_LEVEL,
        },
    },
    "table_attrition": {
        "input": {"patients": CLEAN_PATIENTS, "outcomes": CLEAN_OUTCOMES},
        "output": report_outputs("table_attrition", numbers="results/{cohort}/numbers/attrition.csv"),
        "params": {"study": get_study_measures},
    },
    "table_maintenance": {
        "input": {"outcomes": CLEAN_OUTCOMES},
        "output": report_outputs("table_maintenance", numbers="results/{cohort}/numbers/maintenance.csv"),
        "params": {
            "study": get_study_measures,
            "quantile_method": get_quantile_method,
            "confidence_level": CONFIDENCE_LEVEL,
        },
    },
    "table_missing_data": {
        "input": {"patients": CLEAN_PATIENTS, "outcomes": CLEAN_OUTCOMES},
        "output": report_outputs("table_missing_data", numbers="results/{cohort}/numbers/missing_data.csv"),
        "params": {
            "study": get_study,
            "confidence_level": CONFIDENCE_LEVEL,
            "missing_data": config["analysis"]["missing_data"],
        },
    },
}


rule outcome_analysis:
    input:
        **stage_input(OUTCOME_ANALYSIS),
    output:
        **stage_output(OUTCOME_ANALYSIS),
    log:
        **stage_log(OUTCOME_ANALYSIS),
    benchmark:
        "results/{cohort}/benchmarks/outcome_analysis.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    params:
        **stage_params("outcome_analysis", OUTCOME_ANALYSIS),
        code=code_version("outcome_analysis"),
    script:
        script_for("outcome_analysis")
