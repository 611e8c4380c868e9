"""A warm process that runs a local run's jobs, the data stack imported once.

A job's process imports pandas and pyarrow and, by its kind, pandera, matplotlib and
seaborn, statsmodels and scipy, or jinja2: 0.5-1.3 s of CPU each time, more than most jobs'
own work on a clinic-size cohort. When a local run has enough jobs to do, the Snakefile
starts this server (`onstart`, `start_job_server` in workflow/rules/common.smk). It imports
the modules other than the project's that the scripts import (read from their import
statements and their project modules', rehab.workflow.code_closure), those of the scripts that run first first,
between jobs, on the core that the first jobs leave idle.

Every script's first statement is `run_warm(snakemake)`: it hands the job to the server,
which forks a worker, a copy of the warm process. The worker takes the job's working
directory, environment, module path and standard output and error, imports the project's
modules afresh, and runs the job's own script file (Snakemake's preamble included) as the
job's process would; it sends back the exit status, with which the job's process ends. A
worker ends when the job's process does. Files, logs and benchmarks are the job's own
(rehab.workflow.job_benchmark measures in the process that does the work); the job's log says that a
worker ran it.

Where no server runs (a cluster executor, a run of few jobs, `job_server: false`, a platform
other than Linux) or it cannot be reached, `run_warm` returns and the script goes on in its
own process: the same bytes either way.
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import runpy
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehab.workflow.code_closure import PROJECT_PACKAGES, import_longest_prefix, imported_modules, script_closure
from rehab.workflow.job_benchmark import process_started

ADDRESS_VARIABLE = "REHAB_JOB_SERVER"  # the server's socket path, in the jobs' environment
PREFIX_VARIABLE = "REHAB_JOB_SERVER_PREFIX"  # the server's Python environment (sys.prefix)
# In a worker's environment: when the job's own process started, and the CPU time it spent.
STARTED_VARIABLE = "REHAB_JOB_STARTED"
CPU_VARIABLE = "REHAB_JOB_CPU"
# A job's log says where the job ran, for the reviewer.
WORKER_NOTE = "Run by a warm worker of the run's job server (rehab.workflow.job_server), for the job's own process."
SOCKET_NAME = "server.sock"
FOLDER_PREFIX = "rehab-jobs-"  # the server's own temporary folder, which holds its socket
STREAMS = (1, 2)  # the job's standard output and error, passed to the worker
LENGTH = struct.Struct("!Q")  # a request's size, before the request
STATUS = struct.Struct("!i")  # a worker's exit status
PARENT_CHECK_S = 0.5  # how often the server checks that the run that started it is alive
STOP_WAIT_S = 2.0  # at its end, how long the server waits for workers still ending
# What Snakemake's preamble of a script loads, besides what the script imports.
SNAKEMAKE_MODULES = ("snakemake.script", "snakemake.io")


def available() -> bool:
    """Whether this platform runs the server: Linux (fork, and Unix sockets that pass file
    descriptors; macOS forks unsafely once some system libraries are loaded)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and hasattr(socket, "send_fds")


# ---------------------------------------------------------------- the run's side


@dataclass
class Server:
    process: subprocess.Popen
    folder: Path

    @property
    def address(self) -> str:
        return str(self.folder / SOCKET_NAME)

    def stop(self) -> None:
        """End the server (its workers have ended with their jobs) and remove its folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def start(scripts: list[Path], module_roots: list[Path]) -> Server:
    """Start a server for `scripts` (in the order their jobs run); it takes jobs at
    `Server.address` as soon as it is up, and imports what the scripts import between them."""
    folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))  # private (0700), and a short path
    command = [
        sys.executable,
        "-m",
        "rehab.workflow.job_server",
        str(folder / SOCKET_NAME),
        str(os.getpid()),
        os.pathsep.join(str(root) for root in module_roots),
        *(str(script) for script in scripts),
    ]
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join([str(module_roots[0]), *filter(None, [environment.get("PYTHONPATH")])])
    environment.pop(ADDRESS_VARIABLE, None)
    environment.pop(PREFIX_VARIABLE, None)
    process = subprocess.Popen(command, env=environment, stdin=subprocess.DEVNULL)
    return Server(process, folder)


def preload_modules(scripts: list[Path], module_roots: list[Path]) -> list[str]:
    """The modules other than the project's that `scripts` import, directly or through the
    project's modules (each import statement's module, as rehab.workflow.code_closure reads them;
    the standard library's too, cheap as they are): the first script's first, then those the
    next one adds, and so on."""
    ordered: dict[str, None] = dict.fromkeys(SNAKEMAKE_MODULES)
    for script in scripts:
        names: set[str] = set()
        for path in [script, *map(Path, script_closure(script, module_roots))]:
            names |= imported_modules(path.read_text(encoding="utf-8"), package="rehab")
        ordered |= dict.fromkeys(sorted(name for name in names if name.split(".")[0] not in PROJECT_PACKAGES))
    return list(ordered)


# ---------------------------------------------------------------- the job's side


def run_warm(snakemake: Any) -> None:
    """The first statement of a script: when the run has a job server, a warm worker runs
    this script (the same file, Snakemake's preamble included) and this process ends with
    the worker's exit status. Otherwise, or when the server cannot take the job, return:
    the script goes on in this process."""
    from rehab.workflow.script_support import is_job_process

    if not is_job_process(snakemake):
        return
    status = hand_over(sys.argv[0], getattr(snakemake, "rule", "?"))
    if status is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def hand_over(script: str, rule: str) -> int | None:
    """Have the server run `script` as this process would; the worker's exit status, or
    None when no server takes the job."""
    address = os.environ.get(ADDRESS_VARIABLE)
    if not address or not available() or not _streams_open() or not os.path.isfile(script):
        return None
    if os.environ.get(PREFIX_VARIABLE) != sys.prefix:
        return None  # this job runs in a Python environment of its own (a conda env): not the server's
    environment = {key: value for key, value in os.environ.items() if key not in (ADDRESS_VARIABLE, PREFIX_VARIABLE)}
    environment[STARTED_VARIABLE] = repr(process_started())
    environment[CPU_VARIABLE] = repr(sum(os.times()[:2]))
    request = pickle.dumps({"cwd": os.getcwd(), "environment": environment, "path": list(sys.path),
                            "argv": list(sys.argv), "script": os.path.abspath(script)})  # fmt: skip
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(address)
        socket.send_fds(connection, [LENGTH.pack(len(request))], list(STREAMS))
        connection.sendall(request)
    except OSError:
        connection.close()
        return None  # no server, or it went away before it took the job
    with connection:
        status = _receive_status(connection)
    if status is None:
        sys.stderr.write(f"rehab.workflow.job_server: the worker running rule {rule} ended without an exit status "
                         "(killed, or out of memory?)\n")  # fmt: skip
        return 1
    return status


def job_started() -> float:
    """When the job's own process started (rehab.workflow.job_benchmark.clock), also in a worker."""
    started = os.environ.get(STARTED_VARIABLE)
    return float(started) if started else process_started()


def in_worker() -> bool:
    """Whether this process is a worker running a job (its environment holds the job's start)."""
    return STARTED_VARIABLE in os.environ


def cpu_before_worker() -> float:
    """CPU seconds the job's own process spent before a worker took its job (0 without one)."""
    return float(os.environ.get(CPU_VARIABLE, "0"))


def _streams_open() -> bool:
    try:
        for descriptor in STREAMS:
            os.fstat(descriptor)
    except OSError:
        return False
    return True


def _receive_status(connection: socket.socket) -> int | None:
    data = b""
    while len(data) < STATUS.size:
        chunk = connection.recv(STATUS.size - len(data))
        if not chunk:
            return None
        data += chunk
    return STATUS.unpack(data)[0]


# ---------------------------------------------------------------- the server


def serve(address: str, parent_pid: int, module_roots: list[Path], scripts: list[Path]) -> None:
    """Fork a worker per job until the run ends; between jobs, import the scripts' modules,
    those of the scripts that run first first."""
    pending = preload_modules(scripts, module_roots)
    for name in [name for name in sys.modules if name.split(".")[0] in PROJECT_PACKAGES]:
        del sys.modules[name]  # a worker imports the project's modules afresh, from the job's path
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    staging = address + ".binding"
    listener.bind(staging)
    listener.listen(64)
    os.replace(staging, address)  # a job finds the address only once the server listens
    listener.settimeout(PARENT_CHECK_S)
    while os.getppid() == parent_pid:
        _reap_workers()
        if pending and not select.select([listener], [], [], 0)[0]:
            import_longest_prefix(pending.pop(0))  # no job waiting: warm up further
            continue
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        connection.settimeout(None)
        if os.fork() == 0:
            listener.close()
            _work(connection)  # never returns
        connection.close()


def _reap_workers(deadline: float | None = None) -> None:
    """Collect ended workers (their CPU time then counts in this process's children's, and in
    the run's). With a deadline (a clock time), wait for running ones until then."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no worker left
        if pid == 0:
            if deadline is None or time.monotonic() >= deadline:
                return
            time.sleep(0.01)


def _work(connection: socket.socket) -> None:
    """In the forked worker: become the job's process, run its script, report, end."""
    status = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        request = _receive_request(connection)
        threading.Thread(target=_end_with_job, args=(connection,), daemon=True).start()
        status = _run_job(request, connection)
    except SystemExit as exit:
        status = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    except BaseException:  # noqa: BLE001 - the job's stderr gets the traceback
        traceback.print_exc()
    _report_and_exit(connection, status)


def _receive_request(connection: socket.socket) -> dict:
    header, descriptors, _, _ = socket.recv_fds(connection, LENGTH.size, len(STREAMS))
    if len(header) < LENGTH.size or len(descriptors) != len(STREAMS):
        raise OSError("incomplete job request")
    for descriptor, target in zip(descriptors, STREAMS, strict=True):
        os.dup2(descriptor, target)
        os.close(descriptor)
    size = LENGTH.unpack(header)[0]
    data = bytearray()
    while len(data) < size:
        chunk = connection.recv(min(size - len(data), 1 << 20))
        if not chunk:
            raise OSError("incomplete job request")
        data += chunk
    request = pickle.loads(bytes(data))
    with open(os.devnull, "rb") as nothing:  # the job reads no input
        os.dup2(nothing.fileno(), 0)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["environment"])
    sys.path[:] = request["path"]
    importlib.invalidate_caches()
    return request


def _run_job(request: dict, connection: socket.socket) -> int:
    """Run the job's script as its own process would: `__main__`, with the job's argv."""
    support = importlib.import_module("rehab.workflow.script_support")
    support.before_exit = lambda status: _send_status(connection, status)  # end_job_process
    sys.argv[:] = request["argv"]
    runpy.run_path(request["script"], run_name="__main__")
    return 0


def _end_with_job(connection: socket.socket) -> None:
    """The job's process never writes after its request: end this worker when it ends
    (Snakemake cancelled the job, or the run was interrupted)."""
    try:
        connection.recv(1)
    except OSError:
        pass
    os._exit(1)


def _send_status(connection: socket.socket, status: int) -> None:
    try:
        connection.sendall(STATUS.pack(status))
    except OSError:
        pass


def _report_and_exit(connection: socket.socket, status: int) -> None:
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    _send_status(connection, status)
    os._exit(status)


def _stop(signal_number: int, frame: Any) -> None:
    raise SystemExit(0)


def main(argv: list[str]) -> None:
    address, parent_pid, roots, *scripts = argv
    signal.signal(signal.SIGTERM, _stop)  # Server.stop: end after collecting the workers
    try:
        serve(address, int(parent_pid), [Path(root) for root in roots.split(os.pathsep)], [Path(s) for s in scripts])
    except KeyboardInterrupt:
        pass
    finally:
        folder = Path(address).parent
        if folder.name.startswith(FOLDER_PREFIX):  # its own folder (start): gone with it
            shutil.rmtree(folder, ignore_errors=True)
        else:
            Path(address).unlink(missing_ok=True)
        _reap_workers(deadline=time.monotonic() + STOP_WAIT_S)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    finally:
        os._exit(0)  # the interpreter's teardown of the data stack would cost the run half a second
