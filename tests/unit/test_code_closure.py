"""A rule's code inputs are the import closure of its script, read from the imports themselves."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rehab.workflow.code_closure import imported_modules, script_closure

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "workflow" / "scripts").glob("*.py"))
ROOTS = [ROOT / "workflow" / "scripts", ROOT]


def test_imports_inside_functions_and_relative_imports_count():
    source = textwrap.dedent(
        """
        import os
        from rehab.core import formatting
        from . import sibling
        def later():
            from rehab.analysis.stats import wilson_interval
            import schemas.clean
        """
    )
    names = imported_modules(source, package="rehab")
    assert {
        "os",
        "rehab",
        "rehab.core.formatting",
        "rehab.sibling",
        "rehab.analysis.stats",
        "rehab.analysis.stats.wilson_interval",
        "schemas.clean",
    } <= names


def test_imports_spanning_lines_count_and_prose_that_reads_like_one_is_harmless():
    source = textwrap.dedent(
        '''
        """A module.

        from here on, the text reads like an import; import this, too.
        """
        from rehab.analysis.outcomes import (
            outcome_numbers,
            outcomes_table,
        )
        from rehab.core.study import \\
            Study
        if True:
            try:
                import rehab.core.privacy as privacy
            except ImportError:
                pass
        '''
    )
    names = imported_modules(source)
    expected = {
        "rehab.analysis.outcomes.outcome_numbers",
        "rehab.analysis.outcomes.outcomes_table",
        "rehab.core.study.Study",
        "rehab.core.privacy",
    }
    assert expected <= names
    assert not [name for name in names if "here" in name or "this" in name]


def test_closure_follows_modules_through_other_modules(tmp_path):
    package = tmp_path / "rehab"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from rehab.b import thing\n")
    (package / "b.py").write_text("def thing():\n    from rehab import c\n")
    (package / "c.py").write_text("import json\n")
    (package / "unused.py").write_text("")
    script = tmp_path / "script.py"
    script.write_text("from rehab.a import thing\n")
    closure = {Path(path).name for path in script_closure(script, [tmp_path])}
    assert closure == {"__init__.py", "a.py", "b.py", "c.py"}


_LOADED = textwrap.dedent(
    """
    import json, sys
    sys.path[:0] = {roots!r}
    loaded = {{}}
    for script in {scripts!r}:
        for name in [name for name in sys.modules if name.split(".")[0] in ("rehab", "schemas")]:
            del sys.modules[name]
        import rehab.workflow.script_support
        rehab.workflow.script_support.run = lambda snakemake, main: None
        source = open(script, encoding="utf-8").read()
        if "rehab.workflow.stages" in source:  # a stage script
            import rehab.workflow.stages
            rehab.workflow.stages.run_stage = lambda snakemake, steps: None
        exec(compile(source, script, "exec"), {{"__name__": "__main__", "snakemake": None}})
        loaded[script] = sorted(
            module.__file__ for name, module in sys.modules.items()
            if name.split(".")[0] in ("rehab", "schemas") and getattr(module, "__file__", None)
        )
    print(json.dumps(loaded))
    """
)


@pytest.fixture(scope="module")
def loaded_modules():
    """The project modules each script loads when it starts (one process, modules reloaded per script)."""
    code = _LOADED.format(roots=[str(root) for root in ROOTS], scripts=[str(script) for script in SCRIPTS])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_the_closure_holds_every_project_module_the_script_loads(script, loaded_modules):
    """What actually gets imported when the script starts is within its declared code inputs."""
    loaded = {str(Path(path).resolve()) for path in loaded_modules[str(script)]}
    declared = set(script_closure(script, ROOTS))
    assert loaded, f"{script.name} loaded no project module: the check would prove nothing"
    assert loaded <= declared, f"{script.name} loads modules outside its code inputs: {sorted(loaded - declared)}"
