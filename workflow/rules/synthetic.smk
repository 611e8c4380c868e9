# Stage: the synthetic reference cohort, written in the raw-export format
# (docs/architecture.md). Every assumption and calibration target is in
# config["synthetic_assumptions"] (config/synthetic.yaml).


rule generate_synthetic_cohort:
    input:
        assumptions=config["synthetic_assumptions"],
    output:
        patients="results/{cohort}/raw/patients.csv",
        sessions="results/{cohort}/raw/sessions.csv",
        outcomes="results/{cohort}/raw/outcomes.csv",
    log:
        "results/{cohort}/logs/generate_synthetic_cohort.log",
    benchmark:
        "results/{cohort}/benchmarks/generate_synthetic_cohort.tsv"
    wildcard_constraints:
        # only the cohorts configured as synthetic; "(?!)" matches nothing when there are none
        cohort="|".join(c for c in config["cohorts"] if is_synthetic(c)) or "(?!)",
    conda:
        "../../environment.yml"
    threads: 1
    params:
        code=code_version("generate_synthetic_cohort"),
        seed=lambda wildcards: cohort_config(wildcards.cohort)["synthetic"]["seed"],
        n_patients=lambda wildcards: cohort_config(wildcards.cohort)["synthetic"]["n_patients"],
    script:
        script_for("generate_synthetic_cohort")
