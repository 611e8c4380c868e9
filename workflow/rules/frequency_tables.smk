# Stage: the intervention frequency tables — the codebook, the baseline characteristics, the
# interventions, combinations and program, the methods table and the flow and validation
# numbers — with their numbers.csv fragments (the report's numbers: rehab.outputs.contents).
# One job runs the steps (rehab.workflow.stages); each step keeps its own log, the stage has
# Snakemake's benchmark (common.smk, "stages").

CLEAN = "results/{cohort}/clean"
TOP_COMBINATIONS = 10


FREQUENCY_TABLES = {
    "table_codebook": {
        "input": {"codebook": config["codebook"]},
        "output": report_outputs("table_codebook"),
    },
    "table_baseline": {
        "input": {"patients": f"{CLEAN}/patients.parquet", "outcomes": f"{CLEAN}/outcomes.parquet"},
        "output": report_outputs("table_baseline", numbers="results/{cohort}/numbers/baseline.csv"),
        "params": {
            "study": get_study_measures,
            "quantile_method": get_quantile_method,
        },
    },
    "table_interventions": {
        "input": {
            "patients": f"{CLEAN}/patients.parquet",
            "sessions": f"{CLEAN}/sessions.parquet",
            "session_interventions": f"{CLEAN}/session_interventions.parquet",
            "codebook": config["codebook"],
        },
        "output": report_outputs("table_interventions", numbers="results/{cohort}/numbers/interventions.csv"),
        "params": {"top_combinations": TOP_COMBINATIONS},
        "needs_visits": True,
    },
    "table_program": {
        "input": {
            "patients": f"{CLEAN}/patients.parquet",
            "session_interventions": f"{CLEAN}/session_interventions.parquet",
        },
        "output": report_outputs("table_program", numbers="results/{cohort}/numbers/program.csv"),
        "params": {"quantile_method": get_quantile_method},
        "needs_visits": True,
    },
    "table_flow": {
        "input": {
            "patients": f"{CLEAN}/patients.parquet",
            "sessions": f"{CLEAN}/sessions.parquet",
            "outcomes": f"{CLEAN}/outcomes.parquet",
        },
        "output": {"numbers": "results/{cohort}/numbers/flow.csv"},
        "params": {
            "study": get_study_data,
            "quantile_method": get_quantile_method,
            "visits": lambda wildcards: has_visits(wildcards.cohort),
        },
    },
    "table_validation": {
        "input": {"accounting": "results/{cohort}/validation/accounting.csv"},
        "output": {"numbers": "results/{cohort}/numbers/validation.csv"},
    },
    "table_methods": {
        "output": {"table": "results/{cohort}/tables/methods.csv"},
        "params": {
            "quantile_method": get_quantile_method,
            "confidence_level": config["analysis"]["confidence_level"],
        },
    },
}


rule frequency_tables:
    input:
        **stage_input(FREQUENCY_TABLES),
    output:
        **stage_output(FREQUENCY_TABLES),
    log:
        **stage_log(FREQUENCY_TABLES),
    benchmark:
        "results/{cohort}/benchmarks/frequency_tables.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    params:
        **stage_params("frequency_tables", FREQUENCY_TABLES),
        code=code_version("frequency_tables"),
    script:
        script_for("frequency_tables")
