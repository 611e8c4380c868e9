"""A job's or a step's benchmark, in Snakemake's columns, measured by the process itself.

Every rule's `benchmarks/<rule>.tsv` and every stage step's `benchmarks/<step>.tsv` is
written here, not by Snakemake's `benchmark:` directive: a job may be run by a warm worker
of the job server (rehab.workflow.job_server), a process Snakemake does not watch. Wall time counts
from the job's own process's start; CPU time is the job's process's and its worker's; memory
and disk traffic are the measuring process's own.
"""

from __future__ import annotations

import datetime
import os
import resource
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rehab.core.safe_io import write_text

# Snakemake's benchmark columns (snakemake.benchmark.BenchmarkRecord.get_header()).
BENCHMARK_COLUMNS = (
    "s",
    "h:m:s",
    "max_rss",
    "max_vms",
    "max_uss",
    "max_pss",
    "io_in",
    "io_out",
    "mean_load",
    "cpu_time",
)
NOT_MEASURED = "NA"
MEBIBYTE = 1024 * 1024


@dataclass(frozen=True)
class Usage:
    """The process's clock, CPU time, peak memory and disk traffic at one moment."""

    wall: float
    cpu: float
    max_rss_mb: float
    read_bytes: int | None
    written_bytes: int | None

    @classmethod
    def now(cls) -> Usage:
        times = os.times()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
        io = _disk_io()
        return cls(
            wall=time.perf_counter(),
            cpu=time.process_time() + times.children_user + times.children_system,  # to the nanosecond, not the tick
            max_rss_mb=peak / MEBIBYTE if sys.platform == "darwin" else peak / 1024,
            read_bytes=io.get("read_bytes"),
            written_bytes=io.get("write_bytes"),
        )


def _disk_io() -> dict[str, int]:
    """Bytes the process has read from and written to storage (Linux /proc, as Snakemake's
    psutil reads it); empty elsewhere."""
    try:
        lines = Path("/proc/self/io").read_text(encoding="ascii").splitlines()
    except OSError:
        return {}
    pairs = (line.split(":", 1) for line in lines if ":" in line)
    return {key.strip(): int(value) for key, value in pairs}


def _hms(seconds: float) -> str:
    """As Snakemake's benchmark: h:mm:ss without fractions (days named when any)."""
    delta = datetime.timedelta(seconds=seconds)
    minutes, secs = divmod(delta.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}"
    if delta.days:
        text = f"{delta.days} day{'s' if abs(delta.days) != 1 else ''}, " + text
    return text


def _value(value: float | None) -> str:
    return NOT_MEASURED if value is None else f"{value:.2f}"


def benchmark_record(start: Usage, end: Usage) -> dict[str, str]:
    """A step's benchmark in Snakemake's columns. Measured in the stage's own process: wall
    and CPU time of the step; `max_rss` is the process's peak so far (the stage's earlier
    steps included); disk traffic where the system reports it; `mean_load` the CPU time
    over the wall time, in percent. What a process cannot see of itself (virtual, unique
    and proportional set sizes) is NA."""
    wall = end.wall - start.wall
    cpu = end.cpu - start.cpu
    io_in = None if end.read_bytes is None else (end.read_bytes - (start.read_bytes or 0)) / MEBIBYTE
    io_out = None if end.written_bytes is None else (end.written_bytes - (start.written_bytes or 0)) / MEBIBYTE
    values = [
        _value(round(wall, 4)),
        _hms(wall),
        _value(end.max_rss_mb),
        NOT_MEASURED,
        NOT_MEASURED,
        NOT_MEASURED,
        _value(io_in),
        _value(io_out),
        _value(100 * cpu / wall if wall > 0 else None),
        _value(cpu),
    ]
    return dict(zip(BENCHMARK_COLUMNS, values, strict=True))


def write_benchmark(record: Mapping[str, str], path: str) -> None:
    """Snakemake's benchmark TSV: the header, then the one record."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_text("\t".join(BENCHMARK_COLUMNS) + "\n" + "\t".join(record[c] for c in BENCHMARK_COLUMNS) + "\n", path)


def clock() -> float:
    """Seconds on a clock that the processes of one machine share: since boot on Linux
    (CLOCK_BOOTTIME, as /proc counts a process's start), else since the epoch."""
    if sys.platform.startswith("linux"):
        return time.clock_gettime(time.CLOCK_BOOTTIME)
    return time.time()


def process_started() -> float:
    """When this process started, on `clock()`: from /proc on Linux (to a clock tick),
    else psutil's creation time."""
    if sys.platform.startswith("linux"):
        stat = Path("/proc/self/stat").read_text(encoding="ascii")
        start_ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, after the command name
        return start_ticks / os.sysconf("SC_CLK_TCK")
    import psutil

    return psutil.Process().create_time()


def job_record() -> dict[str, str]:
    """The whole job's benchmark, from its process's start to now."""
    from rehab.workflow.job_server import cpu_before_worker, job_started

    end = Usage.now()
    start = Usage(
        wall=end.wall - (clock() - job_started()),
        cpu=-cpu_before_worker(),
        max_rss_mb=0.0,
        read_bytes=0,
        written_bytes=0,
    )
    return benchmark_record(start, end)
