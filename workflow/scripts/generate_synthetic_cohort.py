"""Rule generate_synthetic_cohort: write a synthetic cohort's raw export (three CSV files)."""

from rehab.synthetic.generator import generate_synthetic_cohort
from rehab.workflow.script_support import run


def main(snakemake):
    generate_synthetic_cohort(
        seed=snakemake.params.seed,
        n_patients=snakemake.params.n_patients,
        assumptions_path=snakemake.input.assumptions,
        paths={
            "patients": snakemake.output.patients,
            "sessions": snakemake.output.sessions,
            "outcomes": snakemake.output.outcomes,
        },
    )


run(snakemake, main)  # noqa: F821 - snakemake is injected by the script directive
