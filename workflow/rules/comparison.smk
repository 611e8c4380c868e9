# Stage: compare every active cohort side by side.


rule compare_cohorts:
    input:
        numbers=expand("results/{cohort}/numbers.csv", cohort=active_cohorts()),
        template="workflow/templates/comparison.html.j2",
        code=script_code("compare_cohorts.py"),
    output:
        table=report(
            "results/comparison/comparison.csv",
            category="Comparison",
            caption="../report/comparison.rst",
        ),
        numbers="results/comparison/comparison_numbers.csv",
        png="results/comparison/responders.png",
        svg=report(
            "results/comparison/responders.svg",
            category="Comparison",
            caption="../report/comparison.rst",
        ),
        report="results/comparison/report.html",
    log:
        "results/comparison/logs/compare_cohorts.log",
    benchmark:
        "results/comparison/benchmarks/compare_cohorts.tsv"
    conda:
        "../../environment.yml"
    params:
        cohorts=active_cohorts(),
        studies={cohort: study_declaration(cohort) for cohort in active_cohorts()},
    script:
        "../scripts/compare_cohorts.py"
