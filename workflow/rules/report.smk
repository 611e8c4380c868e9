# Stage: provenance of a run and the self-contained HTML report of one cohort.

REPORT_SECTIONS = sorted(
    str(path.relative_to(PROJECT_ROOT)) for path in (PROJECT_ROOT / "workflow/templates/sections").glob("*.html.j2")
)


# Provenance records the command the user ran: on a cluster it runs beside the main Snakemake
# process, so it reads that command, not the internal one of a cluster job.
localrules:
    provenance,


rule provenance:
    input:
        unpack(raw_export_files),
        codebook=config["codebook"],
        requirements=project_file("requirements.txt"),
        version=project_file("VERSION"),
    output:
        provenance=report(
            "results/{cohort}/provenance.json",
            category="Provenance",
            subcategory="{cohort}",
            caption="../report/provenance.rst",
        ),
    log:
        "results/{cohort}/logs/provenance.log",
    benchmark:
        "results/{cohort}/benchmarks/provenance.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    params:
        code=code_version("provenance"),
        config=config,
        products=lambda wildcards: rule_products(wildcards.cohort),
        hashed_inputs=lambda wildcards: [*raw_export_files(wildcards), "codebook"],
    script:
        script_for("provenance")


rule render_report:
    input:
        numbers="results/{cohort}/numbers.csv",
        reproduction=lambda wildcards: reproduction_files(wildcards.cohort),
        accounting="results/{cohort}/validation/accounting.csv",
        failures="results/{cohort}/validation/failures.csv",
        mapping="results/{cohort}/validation/mapping.csv",
        provenance="results/{cohort}/provenance.json",
        settings_table="results/{cohort}/tables/methods.csv",
        tables=report_files("table"),
        figures=report_files("figure"),
        template="workflow/templates/report.html.j2",
        partials=["workflow/templates/report_macros.html.j2", "workflow/templates/report_style.css"],
        sections=REPORT_SECTIONS,
    output:
        report=report(
            "results/{cohort}/report.html", category="Report", subcategory="{cohort}", caption="../report/report.rst"
        ),
        word_tables=report(
            "results/{cohort}/tables.docx", category="Report", subcategory="{cohort}", caption="../report/report.rst"
        ),
    log:
        "results/{cohort}/logs/render_report.log",
    benchmark:
        "results/{cohort}/benchmarks/render_report.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    params:
        code=code_version("render_report"),
        cohort_name=lambda wildcards: wildcards.cohort,
        title=lambda wildcards: cohort_title(wildcards.cohort),
        synthetic=lambda wildcards: cohort_config(wildcards.cohort).get(
            "synthetic_banner", is_synthetic(wildcards.cohort)
        ),
        synthetic_settings=lambda wildcards: cohort_config(wildcards.cohort).get("synthetic"),
        reproduction=lambda wildcards: is_synthetic(wildcards.cohort),
        compare_with_published=lambda wildcards: compares_with_published(wildcards.cohort),
        quantile_method=lambda wildcards: quantile_method(wildcards.cohort),
        confidence_level=config["analysis"]["confidence_level"],
        study=get_study,
        subgroups=config["analysis"]["subgroups"],
        missing_data=config["analysis"]["missing_data"],
        response_model=config["analysis"]["response_model"],
        quarantine_dir=lambda wildcards: f"results/{wildcards.cohort}/validation/quarantine",
        max_quarantine_share=lambda wildcards: cohort_config(wildcards.cohort)["max_quarantine_share"],
        omitted=lambda wildcards: omitted_items(wildcards.cohort),
    script:
        script_for("render_report")
