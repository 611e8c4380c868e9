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
        script_for("generate_synthetic_cohort", writes_for=is_synthetic)


# A synthetic cohort of an export shape (config/shapes.yaml) is also written as that shape's
# files, from its contract files, into results/{cohort}/export/ (rehab.synthetic.shapes): one
# rule per shape in use, since each writes its own files.
for _shape in sorted({shape_of(c) for c in config["cohorts"] if is_shaped(c)}):

    rule:
        name:
            f"write_{_shape}"
        input:
            patients="results/{cohort}/raw/patients.csv",
            sessions="results/{cohort}/raw/sessions.csv",
            outcomes="results/{cohort}/raw/outcomes.csv",
        output:
            [f"results/{{cohort}}/export/{source}" for source in shape_files(_shape)],
        log:
            f"results/{{cohort}}/logs/write_{_shape}.log",
        benchmark:
            f"results/{{cohort}}/benchmarks/write_{_shape}.tsv"
        wildcard_constraints:
            cohort="|".join(c for c in config["cohorts"] if shape_of(c) == _shape) or "(?!)",
        conda:
            "../../environment.yml"
        threads: 1
        params:
            code=code_version("write_export_shape"),
            export=shape_export(_shape),
            study=get_study_data,
        script:
            script_for(
                "write_export_shape",
                rule=f"write_{_shape}",
                writes_for=lambda cohort, shape=_shape: shape_of(cohort) == shape,
            )
