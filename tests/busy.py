"""Busy processes for tests of behaviour under load (importable as ``busy``)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from benchlib.load import cpu_load


@contextmanager
def busy_processes(count: int) -> Iterator[list[int]]:
    """``count`` busy processes (``bench/benchlib/load.py``, the load the benchmarks put
    beside them) for as long as the block runs; their pids."""
    with cpu_load(count, max_seconds=120) as load:
        yield load.pids


def cpu_seconds(pid: int) -> float:
    """CPU time process ``pid`` has run (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_busy(pids: list[int], seconds: float, timeout: float = 60) -> None:
    """Until each of ``pids`` has run ``seconds`` of CPU time since the call."""
    start = [cpu_seconds(pid) for pid in pids]
    deadline = time.monotonic() + timeout
    while min(cpu_seconds(pid) - before for pid, before in zip(pids, start, strict=True)) < seconds:
        assert time.monotonic() < deadline, "the busy processes never ran"
        os.sched_yield()
