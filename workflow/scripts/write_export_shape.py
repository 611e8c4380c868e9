"""Rules write_<shape>: a synthetic cohort's contract files written as an export shape."""

from pathlib import Path

from rehab.core.study import Study
from rehab.synthetic.shapes import read_contract, shape_tables, write_shape
from rehab.workflow.script_support import run


def main(snakemake):
    export = snakemake.params.export
    study = Study.from_declaration(snakemake.params.study)
    frames = read_contract({name: snakemake.input[name] for name in ("patients", "sessions", "outcomes")})
    write_shape(shape_tables(frames, export, study), export, Path(snakemake.output[0]).parent)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
