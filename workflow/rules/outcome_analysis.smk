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
        "output": {"table": table_report("table4_outcomes"), "numbers": "results/{cohort}/numbers/outcomes.csv"},
        "params": {
            "study": get_study_measures,
            "quantile_method": get_quantile_method,
            "confidence_level": CONFIDENCE_LEVEL,
        },
    },
    "table_responders": {
        "input": {"outcomes": CLEAN_OUTCOMES},
        "output": {
            "table": table_report("responders"),
            "sensitivity": table_report("responders_sensitivity"),
            "definitions": table_report("responder_definitions"),
            "numbers": "results/{cohort}/numbers/responders.csv",
        },
        "params": {"study": get_study, "confidence_level": CONFIDENCE_LEVEL},
    },
    "table_subgroups": {
        "input": {"patients": CLEAN_PATIENTS, "outcomes": CLEAN_OUTCOMES},
        "output": {
            "table": table_report("subgroups"),
            "interactions": table_report("subgroup_interactions"),
            "results": "results/{cohort}/analysis/subgroups.csv",
            "numbers": "results/{cohort}/numbers/subgroups.csv",
        },
        "params": {
            "study": get_study,
            "min_group_size": config["analysis"]["subgroups"]["min_group_size"],
            "confidence_level": CONFIDENCE_LEVEL,
        },
    },
    "table_attrition": {
        "input": {"patients": CLEAN_PATIENTS, "outcomes": CLEAN_OUTCOMES},
        "output": {"table": table_report("attrition"), "numbers": "results/{cohort}/numbers/attrition.csv"},
        "params": {"study": get_study_measures},
    },
    "table_maintenance": {
        "input": {"outcomes": CLEAN_OUTCOMES},
        "output": {"table": table_report("maintenance"), "numbers": "results/{cohort}/numbers/maintenance.csv"},
        "params": {
            "study": get_study_measures,
            "quantile_method": get_quantile_method,
            "confidence_level": CONFIDENCE_LEVEL,
        },
    },
    "table_missing_data": {
        "input": {"patients": CLEAN_PATIENTS, "outcomes": CLEAN_OUTCOMES},
        "output": {
            "table": table_report("missing_data"),
            "numbers": "results/{cohort}/numbers/missing_data.csv",
            "tipping_point": table_report("tipping_point"),
        },
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
        "output": {
            "table": table_report("maintenance_margin"),
            "numbers": "results/{cohort}/numbers/maintenance_margin.csv",
        },
        "params": {"study": get_study},
    },
    "table_mixed_models": {
        "input": {"outcomes": CLEAN_OUTCOMES, "outcome_numbers": "results/{cohort}/numbers/outcomes.csv"},
        "output": {
            "table": table_report("mixed_models"),
            "numbers": "results/{cohort}/numbers/mixed_models.csv",
        },
        "params": {"study": get_study_measures, "confidence_level": CONFIDENCE_LEVEL},
    },
    "table_response_model": {
        "input": {"patients": CLEAN_PATIENTS, "outcomes": CLEAN_OUTCOMES},
        "output": {
            "table": table_report("response_model"),
            "numbers": "results/{cohort}/numbers/response_model.csv",
        },
        "params": {
            "study": get_study,
            "confidence_level": CONFIDENCE_LEVEL,
            "response_model": config["analysis"]["response_model"],
        },
    },
    "table_effect_sizes": {
        "input": {
            "outcomes": CLEAN_OUTCOMES,
            "outcome_numbers": "results/{cohort}/numbers/outcomes.csv",
            "maintenance_numbers": "results/{cohort}/numbers/maintenance.csv",
        },
        "output": {
            "table": table_report("effect_sizes"),
            "numbers": "results/{cohort}/numbers/effect_sizes.csv",
            "regression_to_mean": table_report("regression_to_mean"),
            "regression_to_mean_numbers": "results/{cohort}/numbers/regression_to_mean.csv",
        },
        "params": {
            "study": get_study_measures,
            "confidence_level": CONFIDENCE_LEVEL,
            "bootstrap": config["analysis"]["bootstrap"],
        },
    },
    "table_transitions": {
        "input": {"outcomes": CLEAN_OUTCOMES},
        "output": {
            "table": table_report("transitions"),
            "numbers": "results/{cohort}/numbers/transitions.csv",
        },
        "params": {"study": get_study},
    },
    "table_instrument_flow": {
        "input": {"outcomes": CLEAN_OUTCOMES, "outcome_numbers": "results/{cohort}/numbers/outcomes.csv"},
        "output": {
            "table": table_report("instrument_flow"),
            "numbers": "results/{cohort}/numbers/instrument_flow.csv",
        },
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
