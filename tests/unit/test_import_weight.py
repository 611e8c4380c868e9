"""Small runs stay near the import floor: the DAG is built without the data stack, and each
script loads only the heavy packages its kind of rule uses (a table stage never loads
matplotlib, the report never loads matplotlib). A stage script counts what its steps import
at their top too (tests/import_weight.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from import_weight import HEAVY, heavy_modules_per_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "workflow" / "scripts").glob("*.py"))
ROOTS = [ROOT / "workflow" / "scripts", ROOT]
DATA_STACK = ("numpy", "pandas", "pyarrow", "matplotlib")

FRAME = {"numpy", "pandas", "pyarrow"}  # a job that reads or writes a table
ALLOWED = {  # script name prefix -> the heavy packages a job of that kind may load at start
    "generate_synthetic_cohort": FRAME | {"scipy"},
    "validate_raw_export": FRAME | {"pandera"},
    "clean_tables": FRAME | {"pandera"},
    "frequency_tables": FRAME,
    "outcome_analysis": FRAME,  # statsmodels and scipy only inside the functions that test and impute
    "outcome_figures": FRAME | {"matplotlib"},
    "program_figures": FRAME | {"matplotlib"},
    "responder_figures": FRAME | {"matplotlib"},
    "render_report": FRAME | {"jinja2"},
    "compare_cohorts": FRAME | {"matplotlib", "jinja2"},
    "numbers_csv": FRAME,
    "check_reproduction": FRAME,
    "write_export_shape": FRAME,  # and openpyxl or pyreadstat, inside the writers
    "provenance": set(),  # hashes, versions and JSON: no table
}


def workflow_imports() -> list[str]:
    """The module-level import statements of the Snakefile and its included rule files."""
    statements = []
    for path in [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]:
        text = path.read_text(encoding="utf-8")
        statements += re.findall(r"^(?:from \S+ import [^\n(]+|import [^\n]+)$", text, flags=re.M)
    return statements


def test_the_snakefile_builds_the_dag_without_the_data_stack():
    statements = workflow_imports()
    assert any("rehab" in statement for statement in statements), statements  # the check would prove nothing
    code = "\n".join(["import sys", *statements, f"print(sorted(set({DATA_STACK!r}) & set(sys.modules)))"])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "[]", f"building the DAG loads {result.stdout.strip()}"


@pytest.fixture(scope="module")
def loaded_heavy():
    return heavy_modules_per_script(SCRIPTS, ROOTS, ROOT)


def kind(script: Path) -> str:
    matches = [prefix for prefix in ALLOWED if script.stem.startswith(prefix)]
    assert len(matches) == 1, f"{script.name}: give its kind of rule an allow-list in ALLOWED"
    return matches[0]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_a_script_loads_only_the_heavy_packages_of_its_kind(script, loaded_heavy):
    loaded = set(loaded_heavy[str(script)])
    if ALLOWED[kind(script)]:
        assert loaded, f"{script.name} loaded no heavy package: the probe would prove nothing"
    extra = loaded - ALLOWED[kind(script)]
    assert not extra, f"{script.name} loads {sorted(extra)} when it starts; import them where they are used"


def test_the_probe_sees_packages_pulled_in_by_other_packages(tmp_path):
    """A heavy package loaded by another one (statsmodels loads scipy) counts, even when an
    earlier script has already loaded it."""
    first, second = tmp_path / "first.py", tmp_path / "second.py"
    first.write_text("import statsmodels.stats.proportion\n", encoding="utf-8")
    second.write_text("def main(snakemake):\n    import statsmodels.stats.proportion\n", encoding="utf-8")
    loaded = heavy_modules_per_script([first, second], ROOTS, ROOT)
    assert {"statsmodels", "scipy", "numpy"} <= set(loaded[str(second)]) <= set(HEAVY)
