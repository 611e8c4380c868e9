"""The project modules a script imports, directly or through other modules, and their digest.

A rule's param `code` is the digest of its script and every project module the script reaches
(`code_version`): editing any of them changes the param, and Snakemake's params rerun trigger
reruns the rule, without listing the library's files among the job's inputs.

Read from the source with `ast` (every import statement, including those inside functions),
so the list cannot drift from the imports; nothing is imported or executed. Only the lines
that can start an import statement are parsed (the DAG is built from this on every run, and
parsing whole modules was a tenth of a no-op run); a docstring line that happens to read
like an import can only add a module, never lose one. Only modules
of the given top-level packages (the project's own: `rehab`, `schemas`) are followed.
"""

from __future__ import annotations

import ast
import hashlib
import re
import textwrap
from collections.abc import Iterator
from functools import cache
from pathlib import Path

PROJECT_PACKAGES = ("rehab", "schemas")


def imported_modules(source: str, package: str | None = None) -> set[str]:
    """Dotted names a module's source imports (`from rehab import x` yields rehab and rehab.x)."""
    names: set[str] = set()
    for node in _import_statements(source):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            if base:
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


IMPORT_LINE = re.compile(r"^[ \t]*(?:import|from)[ \t]", re.MULTILINE)


def _import_statements(source: str) -> Iterator[ast.AST]:
    """The import statements of a module: each line that starts like one, with its
    parenthesised or backslash-continued lines, parsed on its own."""
    lines = source.splitlines()
    starts = {source.count("\n", 0, match.start()) for match in IMPORT_LINE.finditer(source)}
    for start in sorted(starts):
        end = start
        while end + 1 < len(lines) and _continues(lines[start : end + 1]):
            end += 1
        try:
            yield from ast.parse(textwrap.dedent("\n".join(lines[start : end + 1]))).body
        except SyntaxError:  # prose that reads like an import (a docstring line)
            continue


def _continues(statement_lines: list[str]) -> bool:
    text = "\n".join(statement_lines)
    return text.rstrip().endswith("\\") or text.count("(") > text.count(")")


def _absolute(node: ast.ImportFrom, package: str | None) -> str | None:
    if node.level == 0:
        return node.module
    if package is None:
        return None
    parts = package.split(".")
    parts = parts[: len(parts) - node.level + 1]
    return ".".join(parts + ([node.module] if node.module else []))


@cache
def module_file(name: str, roots: tuple[Path, ...]) -> Path | None:
    """The source file of a project module (package __init__ or module file), or None."""
    relative = Path(*name.split("."))
    for root in roots:
        for candidate in (root / relative / "__init__.py", root.joinpath(*relative.parts[:-1], relative.name + ".py")):
            if candidate.is_file():
                return candidate
    return None


@cache
def _closure(script: Path, roots: tuple[Path, ...], packages: tuple[str, ...]) -> tuple[Path, ...]:
    seen: dict[Path, None] = {}
    pending: list[tuple[Path, str | None]] = [(script, None)]
    while pending:
        path, package = pending.pop()
        for name in _file_imports(path, package):
            if name.split(".")[0] not in packages:
                continue
            for parent in _with_parents(name):
                found = module_file(parent, roots)
                if found is not None and found not in seen:
                    seen[found] = None
                    is_package = found.name == "__init__.py"
                    pending.append((found, parent if is_package else parent.rpartition(".")[0]))
    return tuple(sorted(seen))


@cache
def _file_imports(path: Path, package: str | None) -> tuple[str, ...]:
    """A file's imports, parsed once per process: every rule's script shares most modules."""
    return tuple(sorted(imported_modules(path.read_text(encoding="utf-8"), package)))


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: index + 1]) for index in range(len(parts))]


def script_closure(
    script: str | Path, roots: list[str | Path], packages: tuple[str, ...] = PROJECT_PACKAGES
) -> list[str]:
    """Every project module file `script` imports, directly or not, sorted, as text paths."""
    resolved_roots = tuple(Path(root).resolve() for root in roots)
    return [str(path) for path in _closure(Path(script).resolve(), resolved_roots, packages)]


def code_version(script: str | Path, roots: list[str | Path], packages: tuple[str, ...] = PROJECT_PACKAGES) -> str:
    """A short digest of `script` and every project module it imports, directly or not: the
    contents and the paths relative to their root, so a moved or renamed module counts too."""
    resolved_roots = [Path(root).resolve() for root in roots]
    digest = hashlib.sha256()
    for path in [Path(script).resolve(), *map(Path, script_closure(script, roots, packages))]:
        root = next((root for root in resolved_roots if path.is_relative_to(root)), path.parent)
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
