"""docs/outputs.md maps every output file of every rule, read from a dry run of the workflow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from workflow_helpers import ROOT, copy_project, snakemake

pytestmark = pytest.mark.slow


def planned_outputs(workdir: Path) -> dict[str, list[str]]:
    """rule -> output files of every job a forced dry run plans."""
    result = snakemake(workdir, "--dry-run", "--forceall")
    outputs: dict[str, list[str]] = {}
    rule = None
    for line in result.stdout.splitlines():
        match = re.match(r"^(?:local)?rule (\w+):", line)
        if match:
            rule = match.group(1)
        elif rule and line.strip().startswith("output:"):
            files = line.split("output:", 1)[1].split(",")
            outputs.setdefault(rule, []).extend(f.strip() for f in files if f.strip())
    return outputs


def test_every_rule_output_is_on_the_outputs_page(tmp_path):
    outputs = planned_outputs(copy_project(tmp_path))
    page = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8").splitlines()
    assert len(outputs) >= 10
    for rule, files in outputs.items():
        rows = [row for row in page if row.startswith("|") and f"`{rule}`" in row]
        assert rows, f"rule {rule} is not on docs/outputs.md"
        for file in files:
            name = Path(file).name
            stem = Path(file).stem
            assert any(name in row or f"{stem}.png" in row or f"`.{Path(file).suffix[1:]}`" in row for row in rows), (
                f"{file} of rule {rule} is not on docs/outputs.md"
            )
