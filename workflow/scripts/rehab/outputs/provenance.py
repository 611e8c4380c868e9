"""What a run was made from: the pipeline version, input hashes, effective config, package
versions, git state, command line, and which rule and script wrote each output.

Everything but the timestamp is the same for two runs of the same command on the same
inputs, so provenance.json (and the report that shows it) differ only in `run_timestamp`.
Set SOURCE_DATE_EPOCH to pin the timestamp too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import os
import platform
import re
import subprocess
from pathlib import Path

import psutil

from rehab.core import safe_io
from rehab.core.privacy import PipelineMade

UNKNOWN = "unknown"
CHUNK_BYTES = 1 << 20


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return PipelineMade(digest.hexdigest())


def display_path(path: str | Path, root: str | Path) -> str:
    """A path relative to the project root when inside it (so runs in other clones agree)."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return absolute.as_posix()


def input_hashes(files: dict[str, str], root: str | Path) -> list[dict]:
    """Path, checksum and size of each input; a file that several inputs name (one workbook
    holding every table of an export) is read once."""
    digests: dict[str, str] = {}
    for path in files.values():
        key = os.path.realpath(path)
        if key not in digests:
            digests[key] = sha256_file(path)
    return [
        {
            "name": name,
            "path": display_path(path, root),
            "sha256": digests[os.path.realpath(path)],
            "bytes": os.path.getsize(path),
        }
        for name, path in files.items()
    ]


def read_version(path: str | Path) -> str:
    """The pipeline version: the one line of the project's VERSION file."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if len(lines) != 1 or not lines[0].strip():
        raise ValueError(f"{path} must hold the pipeline version on one line, e.g. 0.2.0")
    return lines[0].strip()


def pinned_packages(requirements: str | Path) -> dict[str, str]:
    """{name: pinned version} from a requirements.txt of `name==version` lines."""
    pins = {}
    for line in Path(requirements).read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)", line)
        if match:
            pins[match.group(1)] = match.group(2)
    return pins


def package_versions(pins: dict[str, str]) -> list[dict]:
    """Installed version of each pinned package (importlib.metadata), and whether it matches."""
    rows = []
    for name, pinned in sorted(pins.items(), key=lambda item: item[0].lower()):
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        rows.append({"package": name, "pinned": pinned, "installed": installed, "matches": installed == pinned})
    return rows


def git_state(root: str | Path) -> dict:
    """Commit and dirty flag of the project's git repository, or "unknown" without git."""
    try:
        commit = _git(root, "rev-parse", "HEAD")
        status = _git(root, "status", "--porcelain")
    except (OSError, subprocess.CalledProcessError):
        return {"commit": UNKNOWN, "dirty": UNKNOWN}
    return {"commit": PipelineMade(commit), "dirty": bool(status)}


def _git(root: str | Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True, timeout=30)
    return result.stdout.strip()


def relative_command_line(command_line: str, cwd: str | Path) -> str:
    """The command line with the working directory written as `.` and the program by name,
    so the same command run in another clone reads the same."""
    program, _, arguments = command_line.strip().partition(" ")
    if not program:
        return UNKNOWN
    cwd_text = os.path.abspath(cwd)
    arguments = arguments.replace(cwd_text + os.sep, "").replace(cwd_text, ".")
    return f"{Path(program).name} {arguments}".strip()


def snakemake_command_line() -> str:
    """The command line of the Snakemake process that runs this script, found among the
    script's parent processes.

    Not passed as a rule parameter on purpose: a parameter is a rerun trigger, and a run
    with other command-line flags (a dry run, say) must not make the provenance outdated.
    """
    try:
        for process in psutil.Process().parents():
            arguments = process.cmdline()
            if any(Path(argument).name == "snakemake" or argument == "snakemake" for argument in arguments[:3]):
                return " ".join(arguments)
    except (psutil.Error, OSError):
        pass
    return UNKNOWN


def run_timestamp() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC) if epoch else dt.datetime.now(tz=dt.UTC)
    return PipelineMade(moment.isoformat(timespec="seconds"))


def outputs_for_cohort(products: list[dict], cohort: str) -> list[dict]:
    """The rule/script/output map with `{cohort}` filled in (other wildcards stay)."""
    filled = []
    for product in products:
        filled.append(
            {
                **product,
                "outputs": [path.replace("{cohort}", cohort) for path in product["outputs"]],
                "inputs": [path.replace("{cohort}", cohort) for path in product["inputs"]],
            }
        )
    return filled


def build_provenance(
    *,
    cohort: str,
    raw_files: dict[str, str],
    config: dict,
    requirements: str | Path,
    command_line: str,
    products: list[dict],
    root: str | Path,
    version: str = UNKNOWN,
) -> dict:
    return {
        "cohort": cohort,
        "version": version,
        "run_timestamp": run_timestamp(),
        "command_line": command_line,
        "git": git_state(root),
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation()},
        "packages": package_versions(pinned_packages(requirements)),
        "inputs": input_hashes(raw_files, root),
        "config": config,
        "products": outputs_for_cohort(products, cohort),
    }


def pipeline_made(provenance: dict) -> list[str]:
    """The values of a provenance record (as read back from provenance.json) that the
    pipeline made itself: the input checksums, the git commit, the run timestamp. A text
    that quotes them (the report) names them as exempt from masking (rehab.core.safe_io)."""
    values = [entry.get("sha256") for entry in provenance.get("inputs", [])]
    values += [provenance.get("git", {}).get("commit"), provenance.get("run_timestamp")]
    return [value for value in values if isinstance(value, str) and value != UNKNOWN]


def write_json(data: dict, path: str | Path) -> None:
    safe_io.write_json(data, path)
