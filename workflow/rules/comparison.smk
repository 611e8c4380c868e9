# Stage: compare every active cohort side by side, into this run's own folder
# (results/comparison/<name>/, named by config comparison_name or by the cohorts compared).

COMPARISON = comparison_dir()


rule compare_cohorts:
    input:
        numbers=expand("results/{cohort}/numbers.csv", cohort=active_cohorts()),
        template="workflow/templates/comparison.html.j2",
        style="workflow/templates/report_style.css",
    output:
        table=report(
            f"{COMPARISON}/comparison.csv",
            category="Comparison",
            caption="../report/comparison.rst",
        ),
        numbers=f"{COMPARISON}/comparison_numbers.csv",
        png=f"{COMPARISON}/responders.png",
        svg=report(
            f"{COMPARISON}/responders.svg",
            category="Comparison",
            caption="../report/comparison.rst",
        ),
        report=f"{COMPARISON}/report.html",
    log:
        f"{COMPARISON}/logs/compare_cohorts.log",
    benchmark:
        f"{COMPARISON}/benchmarks/compare_cohorts.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    params:
        code=code_version("compare_cohorts"),
        name=Path(COMPARISON).name,
        cohorts=active_cohorts(),
        studies={cohort: study_declaration(cohort) for cohort in active_cohorts()},
    script:
        script_for("compare_cohorts", writes_for=lambda cohort: False)  # the comparison's own folder
