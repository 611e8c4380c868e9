# Stage: the report's figures, PNG and SVG, drawn by rehab.figures. One job runs the steps
# (rehab.stages: matplotlib is imported once); each step keeps its own log and benchmark
# (common.smk, "stages").

NUMBERS = "results/{cohort}/numbers.csv"

FIGURES = {
    "figure_patient_flow": {
        "input": {"numbers": NUMBERS, "accounting": "results/{cohort}/validation/accounting.csv"},
        "output": figure_outputs("patient_flow"),
        "params": {"study": get_study},
    },
    "figure_intervention_categories": {
        "input": {"numbers": NUMBERS, "codebook": config["codebook"]},
        "output": figure_outputs("intervention_categories"),
    },
    "figure_outcomes": {
        "input": {"outcomes": "results/{cohort}/clean/outcomes.parquet"},
        "output": figure_outputs("outcomes"),
        "params": {"quantile_method": get_quantile_method, "study": get_study},
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
    "figure_responder_curves": {
        "input": {"outcomes": "results/{cohort}/clean/outcomes.parquet"},
        "output": figure_outputs("responder_curves"),
        "params": {"study": get_study},
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
