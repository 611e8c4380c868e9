"""Which heavy third-party packages a Snakemake script loads when its job starts.

`heavy_modules_per_script` runs every script in ONE fresh interpreter (run() and run_stage()
stubbed, as in tests/unit/test_code_closure.py): the script's top-level imports, then the imports
at the top of its `main` (where scripts defer them) or, for a stage script, at the top of
every step function of its `rehab.*_steps` module, with the project modules reloaded per
script. Heavy
packages stay loaded from one script to the next, so every `import` statement is recorded
through a wrapper of builtins.__import__, and the heavy packages that a package pulls in on
its first import (seaborn -> matplotlib) are remembered and credited to every later importer.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

HEAVY = ("numpy", "pandas", "pyarrow", "pandera", "matplotlib", "seaborn", "scipy", "statsmodels", "jinja2")

_PROBE = textwrap.dedent(
    """
    import ast, builtins, json, sys
    sys.path[:0] = {roots!r}
    HEAVY = set({heavy!r})
    real_import = builtins.__import__
    pulled_in = {{}}  # (name, fromlist) -> heavy packages its first import loaded
    frames = []       # sets collecting heavy packages: the script's, then nested first imports

    def credit(packages):
        for frame in frames:
            frame.update(packages)

    def tracking_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level:
            return real_import(name, globals, locals, fromlist, level)
        top = name.partition(".")[0]
        if top in HEAVY:
            credit({{top}})
        key = (name, tuple(fromlist or ()))
        if key in pulled_in:
            credit(pulled_in[key])
            return real_import(name, globals, locals, fromlist, level)
        frames.append(set())
        try:
            return real_import(name, globals, locals, fromlist, level)
        finally:
            loaded = frames.pop()
            pulled_in[key] = loaded
            credit(loaded)

    def function_imports(source, names=None):
        # The import statements at the top level of the functions (all, or those named), as source.
        return [
            ast.unparse(item)
            for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef) and (names is None or node.name in names)
            for item in node.body
            if isinstance(item, (ast.Import, ast.ImportFrom))
        ]

    def step_imports():
        # Those of every step function of the stage's step modules the script has imported.
        modules = [m for name, m in sys.modules.items() if name.startswith("rehab.") and name.endswith("_steps")]
        return [s for m in modules for s in function_imports(open(m.__file__, encoding="utf-8").read())]

    builtins.__import__ = tracking_import
    loaded = {{}}
    for script in {scripts!r}:
        for name in [name for name in sys.modules if name.split(".")[0] in ("rehab", "schemas")]:
            del sys.modules[name]
        frames.append(set())
        import rehab.workflow.script_support
        rehab.workflow.script_support.run = lambda snakemake, main: None
        source = open(script, encoding="utf-8").read()
        if "rehab.workflow.stages" in source:  # a stage script
            import rehab.workflow.stages
            rehab.workflow.stages.run_stage = lambda snakemake, steps: None
        namespace = {{"__name__": "__main__", "snakemake": None}}
        exec(compile(source, script, "exec"), namespace)
        for statement in [*function_imports(source, {{"main"}}), *step_imports()]:
            exec(statement, namespace)
        loaded[script] = sorted(frames.pop())
    builtins.__import__ = real_import
    print(json.dumps(loaded))
    """
)


def heavy_modules_per_script(scripts: list[Path], roots: list[Path], cwd: Path) -> dict[str, list[str]]:
    """Script path -> the heavy packages (HEAVY) it loads at start, in one subprocess."""
    code = _PROBE.format(roots=[str(root) for root in roots], heavy=HEAVY, scripts=[str(s) for s in scripts])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
