"""What the Snakemake rules and scripts use: the script frame, stages and their steps, config checks, run-end messages."""
