"""Plain, testable functions behind the pipeline's Snakemake rules."""
