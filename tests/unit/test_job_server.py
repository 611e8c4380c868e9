"""The job server (rehab.workflow.job_server): a warm worker runs a job's script as the job's own
process would (its directory, environment, streams and exit status), ends with the job, and
the run goes on without the server wherever there is none."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from rehab.workflow import job_server

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "workflow" / "scripts"
ROOTS = [SCRIPTS, ROOT]

pytestmark = pytest.mark.skipif(not job_server.available(), reason="this platform has no fork or Unix sockets")

# A job's script in miniature: Snakemake's preamble defines `snakemake`; the script first
# offers itself to the server, then does its work (here: says where it ran) and ends.
PROBE = textwrap.dedent(
    """
    import os, sys, types

    snakemake = types.SimpleNamespace(rule="probe")

    from rehab.workflow.job_server import run_warm

    run_warm(snakemake)

    from pathlib import Path

    where = f"{os.getpid()} {os.getppid()} {os.getcwd()} {os.environ.get('PROBE_VALUE')}"
    Path(os.environ["PROBE_OUT"]).write_text(where, encoding="utf-8")
    print("said on stdout")
    print("said on stderr", file=sys.stderr)
    action = os.environ.get("PROBE_ACTION", "")
    if action == "exit 3":
        sys.exit(3)
    if action == "raise":
        raise RuntimeError("the probe failed")
    if action == "sleep":
        import time

        time.sleep(120)
    """
)


def ended(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE  # ended, not yet collected
    except psutil.NoSuchProcess:
        return True


def wait_for(condition, timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def server():
    started = job_server.start([], ROOTS)
    wait_for(lambda: Path(started.address).exists(), what="the server's socket")
    yield started
    started.stop()


def run_probe(folder: Path, address: str | None, action: str = "", wait: bool = True, prefix: str = sys.prefix):
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    ours = (job_server.ADDRESS_VARIABLE, job_server.PREFIX_VARIABLE)
    environment = {k: v for k, v in os.environ.items() if k not in ours}
    environment |= {"PROBE_OUT": str(folder / "where.txt"), "PROBE_VALUE": "from the job", "PROBE_ACTION": action}
    if address is not None:
        environment[job_server.ADDRESS_VARIABLE] = address
        environment[job_server.PREFIX_VARIABLE] = prefix
    command = [sys.executable, str(script)]
    if not wait:
        return subprocess.Popen(command, cwd=folder, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, timeout=60)


def where(folder: Path) -> tuple[int, int, str, str]:
    pid, parent, cwd, value = (folder / "where.txt").read_text(encoding="utf-8").split(" ", 3)
    return int(pid), int(parent), cwd, value


def test_the_server_runs_a_job_in_a_worker_with_the_jobs_directory_environment_and_streams(server, tmp_path):
    result = run_probe(tmp_path, server.address)
    assert result.returncode == 0, result.stderr
    pid, parent, cwd, value = where(tmp_path)
    assert parent == server.process.pid, "a worker forked by the server ran the job"
    assert Path(cwd) == tmp_path and value == "from the job"
    assert "said on stdout" in result.stdout and "said on stderr" in result.stderr


@pytest.mark.parametrize(
    ("action", "status", "said"), [("exit 3", 3, ""), ("raise", 1, "RuntimeError: the probe failed")]
)
def test_the_jobs_process_ends_with_the_workers_exit_status(server, tmp_path, action, status, said):
    result = run_probe(tmp_path, server.address, action)
    assert result.returncode == status
    assert where(tmp_path)[1] == server.process.pid
    assert said in result.stderr


@pytest.mark.parametrize("address", [None, "missing"])
def test_without_a_server_the_job_runs_in_its_own_process(tmp_path, address):
    address = None if address is None else str(tmp_path / "no-server" / job_server.SOCKET_NAME)
    client = run_probe(tmp_path, address, wait=False)
    assert client.wait(timeout=60) == 0
    assert where(tmp_path)[0] == client.pid


def test_a_job_in_another_python_environment_runs_in_its_own_process(server, tmp_path):
    """A job with a software environment of its own (a conda env) is not the server's to run."""
    client = run_probe(tmp_path, server.address, wait=False, prefix=str(tmp_path / "another-env"))
    assert client.wait(timeout=60) == 0
    assert where(tmp_path)[0] == client.pid


def test_a_cancelled_job_ends_its_worker(server, tmp_path):
    client = run_probe(tmp_path, server.address, "sleep", wait=False)
    wait_for(lambda: (tmp_path / "where.txt").exists(), what="the worker's start")
    worker = where(tmp_path)[0]
    assert not ended(worker)
    client.send_signal(signal.SIGKILL)  # Snakemake cancels a job by ending its process
    client.wait(timeout=10)
    wait_for(lambda: ended(worker), what="the worker's end")


def test_the_server_ends_with_the_run_that_started_it(tmp_path):
    starter = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from rehab.workflow import job_server
        server = job_server.start([], {[str(root) for root in ROOTS]!r})
        print(server.process.pid, server.folder, flush=True)
        time.sleep(1)  # the run ends here without stopping its server
        """
    )
    result = subprocess.run([sys.executable, "-c", starter], capture_output=True, text=True, timeout=60)
    pid, folder = result.stdout.split()
    wait_for(lambda: ended(int(pid)), what="the orphaned server's end")
    assert not Path(folder).exists(), "the server removes its folder when it ends"


def test_stopping_the_server_ends_it_and_removes_its_folder():
    started = job_server.start([], ROOTS)
    wait_for(lambda: Path(started.address).exists(), what="the server's socket")
    started.stop()
    assert started.process.returncode == 0
    assert not started.folder.exists()


def test_the_server_imports_what_the_scripts_import_in_their_run_order():
    modules = job_server.preload_modules([SCRIPTS / "validate_raw_export.py", SCRIPTS / "figures.py"], ROOTS)
    assert not [name for name in modules if name.split(".")[0] in ("rehab", "schemas")], "the project's: afresh"
    assert set(job_server.SNAKEMAKE_MODULES) <= set(modules), "what Snakemake's script preamble loads"
    first_pandera = min(i for i, name in enumerate(modules) if name.startswith("pandera"))
    first_seaborn = min(i for i, name in enumerate(modules) if name.startswith("seaborn"))
    assert first_pandera < first_seaborn, "validation's imports before the figures'"
    assert any(name.startswith("matplotlib") for name in modules)


@pytest.mark.parametrize("script", sorted(SCRIPTS.glob("*.py")), ids=lambda path: path.name)
def test_every_script_first_offers_its_job_to_the_server(script):
    """A script's imports come after `run_warm(snakemake)`, so a job that a worker runs never
    imports its stack twice (the Snakefile counts every script job as one a server can run)."""
    import ast

    body = ast.parse(script.read_text(encoding="utf-8")).body
    statements = [node for node in body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    assert ast.unparse(statements[0]) == "from rehab.workflow.job_server import run_warm", script.name
    assert ast.unparse(statements[1]) == "run_warm(snakemake)", script.name
