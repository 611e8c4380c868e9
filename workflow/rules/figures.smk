# Stage: the report's figures, PNG and SVG, drawn by rehab.outputs.figures, in three jobs per cohort
# (rehab.workflow.stages: matplotlib is imported once per job; each step keeps its own log, the
# stage has Snakemake's benchmark, common.smk "stages"), each started as soon as what it draws from exists:
# `outcome_figures` from the clean outcomes, beside the table stages; `program_figures` from
# the frequency tables' numbers; `responder_figures` from the outcome analysis' numbers.
# A figure reads the numbers fragments of the stage that computed them, not numbers.csv,
# so no figure waits for the other table stage.

CLEAN_OUTCOMES = "results/{cohort}/clean/outcomes.parquet"


OUTCOME_FIGURES = {
    "figure_outcomes": {
        "input": {"outcomes": CLEAN_OUTCOMES},
        "output": report_outputs("figure_outcomes"),
        "params": {"quantile_method": get_quantile_method, "study": get_study_measures},
    },
    "figure_responder_curves": {
        "input": {"outcomes": CLEAN_OUTCOMES},
        "output": report_outputs("figure_responder_curves"),
        "params": {"study": get_study},
    },
}

PROGRAM_FIGURES = {
    "figure_patient_flow": {
        "input": {
            "numbers": number_fragments("flow"),
            "accounting": "results/{cohort}/validation/accounting.csv",
        },
        "output": report_outputs("figure_patient_flow"),
        "params": {"study": get_study_measures},
    },
    "figure_intervention_categories": {
        "input": {
            "numbers": number_fragments("flow", "interventions"),
            "codebook_table": report_file("table", "codebook"),
        },
        "output": report_outputs("figure_intervention_categories"),
        "needs_visits": True,
    },
    "figure_sessions_per_patient": {
        "input": {"patients": "results/{cohort}/clean/patients.parquet", "numbers": number_fragments("program")},
        "output": report_outputs("figure_sessions_per_patient"),
        "needs_visits": True,
    },
}

RESPONDER_FIGURES = {
    "figure_responders": {
        "input": {"numbers": number_fragments("responders")},
        "output": report_outputs("figure_responders"),
        "params": {"study": get_study, "confidence_level": config["analysis"]["confidence_level"]},
    },
    "figure_subgroups_forest": {
        "input": {"subgroups": "results/{cohort}/analysis/subgroups.csv"},
        "output": report_outputs("figure_subgroups_forest"),
        "params": {
            "study": get_study,
            "min_group_size": config["analysis"]["subgroups"]["min_group_size"],
            "confidence_level": config["analysis"]["confidence_level"],
        },
    },
    "figure_missing_data": {
        "input": {"numbers": number_fragments("responders", "missing_data")},
        "output": report_outputs("figure_missing_data"),
        "params": {"study": get_study, "confidence_level": config["analysis"]["confidence_level"]},
    },
    "figure_tipping_point": {
        "input": {"numbers": number_fragments("missing_data")},
        "output": report_outputs("figure_tipping_point"),
        "params": {
            "study": get_study,
            "confidence_level": config["analysis"]["confidence_level"],
            "tipping_point": config["analysis"]["missing_data"]["tipping_point"],
        },
    },
}


rule outcome_figures:
    input:
        **stage_input(OUTCOME_FIGURES),
    output:
        **stage_output(OUTCOME_FIGURES),
    log:
        **stage_log(OUTCOME_FIGURES),
    benchmark:
        "results/{cohort}/benchmarks/outcome_figures.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    params:
        **stage_params("outcome_figures", OUTCOME_FIGURES),
        code=code_version("outcome_figures"),
    script:
        script_for("outcome_figures")


rule program_figures:
    input:
        **stage_input(PROGRAM_FIGURES),
    output:
        **stage_output(PROGRAM_FIGURES),
    log:
        **stage_log(PROGRAM_FIGURES),
    benchmark:
        "results/{cohort}/benchmarks/program_figures.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    params:
        **stage_params("program_figures", PROGRAM_FIGURES),
        code=code_version("program_figures"),
    script:
        script_for("program_figures")


rule responder_figures:
    input:
        **stage_input(RESPONDER_FIGURES),
    output:
        **stage_output(RESPONDER_FIGURES),
    log:
        **stage_log(RESPONDER_FIGURES),
    benchmark:
        "results/{cohort}/benchmarks/responder_figures.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    params:
        **stage_params("responder_figures", RESPONDER_FIGURES),
        code=code_version("responder_figures"),
    script:
        script_for("responder_figures")
