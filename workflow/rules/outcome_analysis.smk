# Stage: the outcome responder analysis — the outcomes table, responders at every time point
# after the baseline with the sensitivity analysis, responders by the study's subgroups with
# the tests of association, attrition (completers against non-completers), maintenance (change
# from each later time point to the next, against the gain, responder transitions), missing
# follow-up data (complete, worst and best case, multiple imputation, the tipping point), the
# mixed models, the response model, the effect sizes' intervals, regression to the mean and the
# flow per instrument — with their numbers.csv fragments. The report's tables are named by its
# declaration (rehab.outputs.contents, report_outputs). One job runs the steps
# (rehab.workflow.stages); each step keeps its own log, the stage has Snakemake's benchmark
# (common.smk, "stages").

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
    "table_maintenance_margin": {
        "input": {
            "outcome_numbers": "results/{cohort}/numbers/outcomes.csv",
            "maintenance_numbers": "results/{cohort}/numbers/maintenance.csv",
        },
        "output": report_outputs("table_maintenance_margin", numbers="results/{cohort}/numbers/maintenance_margin.csv"),
        "params": {"study": get_study},
    },
    "table_mixed_models": {
        "input": {"outcomes": CLEAN_OUTCOMES, "outcome_numbers": "results/{cohort}/numbers/outcomes.csv"},
        "output": report_outputs("table_mixed_models", numbers="results/{cohort}/numbers/mixed_models.csv"),
        "params": {"study": get_study_measures, "confidence_level": CONFIDENCE_LEVEL},
    },
    "table_response_model": {
        "input": {"patients": CLEAN_PATIENTS, "outcomes": CLEAN_OUTCOMES},
        "output": report_outputs("table_response_model", numbers="results/{cohort}/numbers/response_model.csv"),
        "params": {
            "study": get_study,
            "confidence_level": CONFIDENCE_LEVEL,
            "response_model": config["analysis"]["response_model"],
            "min_group_size": config["analysis"]["subgroups"]["min_group_size"],
        },
    },
    "table_effect_sizes": {
        "input": {
            "outcomes": CLEAN_OUTCOMES,
            "outcome_numbers": "results/{cohort}/numbers/outcomes.csv",
            "maintenance_numbers": "results/{cohort}/numbers/maintenance.csv",
        },
        "output": report_outputs(
            "table_effect_sizes",
            numbers="results/{cohort}/numbers/effect_sizes.csv",
            regression_to_mean_numbers="results/{cohort}/numbers/regression_to_mean.csv",
        ),
        "params": {
            "study": get_study_measures,
            "confidence_level": CONFIDENCE_LEVEL,
            "bootstrap": config["analysis"]["bootstrap"],
        },
    },
    "table_transitions": {
        "input": {"outcomes": CLEAN_OUTCOMES},
        "output": report_outputs("table_transitions", numbers="results/{cohort}/numbers/transitions.csv"),
        "params": {"study": get_study},
    },
    "table_instrument_flow": {
        "input": {"outcomes": CLEAN_OUTCOMES, "outcome_numbers": "results/{cohort}/numbers/outcomes.csv"},
        "output": report_outputs("table_instrument_flow", numbers="results/{cohort}/numbers/instrument_flow.csv"),
        "params": {"study": get_study_measures},
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
