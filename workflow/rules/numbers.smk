# Stage: numbers.csv (every number the report states, joined from the fragments of the table
# stages; rehab.workflow.stages), and the reproduction check against the paper's published
# values for a cohort that compares with the paper.

from rehab.outputs.number_parts import PARTS as NUMBER_PARTS

NUMBERS_STAGE = {
    "collect_numbers": {
        "input": dict(zip(NUMBER_PARTS, number_fragments(*NUMBER_PARTS), strict=True)),
        "output": {"numbers": "results/{cohort}/numbers.csv"},
    },
}


rule numbers_csv:
    input:
        **stage_input(NUMBERS_STAGE),
    output:
        **stage_output(NUMBERS_STAGE),
    log:
        **stage_log(NUMBERS_STAGE),
    benchmark:
        "results/{cohort}/benchmarks/numbers_csv.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    params:
        **stage_params("numbers_csv", NUMBERS_STAGE),
        code=code_version("numbers_csv"),
    script:
        script_for("numbers_csv")


# Only for a cohort that compares with the paper (cohorts.<name>.compare_with_published; by
# default the synthetic ones): the report asks for reproduction.csv only then.
rule check_reproduction:
    input:
        numbers="results/{cohort}/numbers.csv",
        published=config["published_values"],
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
    threads: 1
    params:
        code=code_version("check_reproduction"),
    script:
        script_for("check_reproduction", writes_for=compares_with_published)
