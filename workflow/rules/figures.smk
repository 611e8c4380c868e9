# Stage: the report's figures, PNG and SVG, drawn by rehab.figures, in two jobs per cohort
# (rehab.stages: matplotlib is imported once per job; each step keeps its own log and
# benchmark, common.smk "stages"): `outcome_figures` draws from the clean outcomes alone,
# so it runs beside the table stages; `figures` draws from numbers.csv and the analysis.

NUMBERS = "results/{cohort}/numbers.csv"
CLEAN_OUTCOMES = "results/{cohort}/clean/outcomes.parquet"

OUTCOME_FIGURES = {
    "figure_outcomes": {
        "input": {"outcomes": CLEAN_OUTCOMES},
        "output": figure_outputs("outcomes"),
        "params": {"quantile_method": get_quantile_method, "study": get_study},
    },
    "figure_responder_curves": {
        "input": {"outcomes": CLEAN_OUTCOMES},
        "output": figure_outputs("responder_curves"),
        "params": {"study": get_study},
    },
}

FIGURES = {
    "figure_patient_flow": {
        "input": {"numbers": NUMBERS, "accounting": "results/{cohort}/validation/accounting.csv"},
        "output": figure_outputs("patient_flow"),
        "params": {"study": get_study},
    },
    "figure_intervention_categories": {
        "input": {"numbers": NUMBERS, "codebook_table": "results/{cohort}/tables/table1_codebook.csv"},
        "output": figure_outputs("intervention_categories"),
    },
    "figure_responders": {
        "input": {"numbers": NUMBERS},
        "output": figure_outputs("responders"),
        "params": {"study": get_study, "confidence_level": config["analysis"]["confidence_level"]},
    },
    "figure_sessions_per_patient": {
        "input": {"patients": "results/{cohort}/clean/patients.parquet", "numbers": NUMBERS},
        "output": figure_outputs("sessions_per_patient"),
    },
    "figure_subgroups_forest": {
        "input": {"subgroups": "results/{cohort}/analysis/subgroups.csv"},
        "output": figure_outputs("subgroups_forest"),
        "params": {
            "study": get_study,
            "min_group_size": config["analysis"]["subgroups"]["min_group_size"],
            "confidence_level": config["analysis"]["confidence_level"],
        },
    },
    "figure_missing_data": {
        "input": {"numbers": NUMBERS},
        "output": figure_outputs("missing_data"),
        "params": {"study": get_study, "confidence_level": config["analysis"]["confidence_level"]},
    },
}


rule figures:
    input:
        **stage_input(FIGURES),
        code=script_code("figures.py"),
    output:
        **stage_output(FIGURES),
    log:
        **stage_log(FIGURES),
    benchmark:
        "results/{cohort}/benchmarks/figures.tsv"
    conda:
        "../../environment.yml"
    params:
        **stage_params(FIGURES),
    script:
        "../scripts/figures.py"


rule outcome_figures:
    input:
        **stage_input(OUTCOME_FIGURES),
        code=script_code("figures.py"),
    output:
        **stage_output(OUTCOME_FIGURES),
    log:
        **stage_log(OUTCOME_FIGURES),
    benchmark:
        "results/{cohort}/benchmarks/outcome_figures.tsv"
    conda:
        "../../environment.yml"
    params:
        **stage_params(OUTCOME_FIGURES),
    script:
        "../scripts/figures.py"
