# Stage: numbers.csv (every number the report states) and the reproduction check against
# the paper's published values.

NUMBER_PARTS = [
    "flow",
    "baseline",
    "interventions",
    "program",
    "outcomes",
    "responders",
    "subgroups",
    "attrition",
    "maintenance",
    "validation",
    "missing_data",
]


rule collect_numbers:
    input:
        **{part: f"results/{{cohort}}/numbers/{part}.csv" for part in NUMBER_PARTS},
        code=script_code("collect_numbers.py"),
    output:
        numbers="results/{cohort}/numbers.csv",
    log:
        "results/{cohort}/logs/collect_numbers.log",
    benchmark:
        "results/{cohort}/benchmarks/collect_numbers.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/collect_numbers.py"


rule check_reproduction:
    input:
        numbers="results/{cohort}/numbers.csv",
        published=config["published_values"],
        code=script_code("check_reproduction.py"),
    output:
        reproduction=report(
            "results/{cohort}/reproduction.csv",
            category="Reproduction",
            caption="../report/reproduction.rst",
        ),
    log:
        "results/{cohort}/logs/check_reproduction.log",
    benchmark:
        "results/{cohort}/benchmarks/check_reproduction.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/check_reproduction.py"
