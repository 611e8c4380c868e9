from rehab.workflow.script_support import run


def main(snakemake):
    import os
    from pathlib import Path

    from rehab.outputs.provenance import (
        build_provenance,
        read_version,
        relative_command_line,
        snakemake_command_line,
        write_json,
    )

    raw_files = {name: snakemake.input[name] for name in snakemake.params.hashed_inputs}
    data = build_provenance(
        cohort=snakemake.wildcards.cohort,
        raw_files=raw_files,
        config=snakemake.params.config,
        requirements=snakemake.input.requirements,
        command_line=relative_command_line(snakemake_command_line(), os.getcwd()),
        products=snakemake.params.products,
        root=Path(snakemake.input.requirements).resolve().parent,  # the project root
        version=read_version(snakemake.input.version),
    )
    write_json(data, snakemake.output.provenance)


run(snakemake, main)  # noqa: F821 - injected by Snakemake
