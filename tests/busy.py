"""Busy processes for tests of behaviour under load (importable as ``busy``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOOP = "import time\nend = time.monotonic() + 120\nwhile time.monotonic() < end: pass\n"
"""A busy loop that ends by itself after two minutes, should its killer die first."""


@contextmanager
def busy_processes(count: int) -> Iterator[list[int]]:
    """``count`` processes spinning for as long as the block runs; their pids."""
    children = [subprocess.Popen([sys.executable, "-c", LOOP]) for _ in range(count)]
    try:
        yield [child.pid for child in children]
    finally:
        for child in children:
            child.kill()
            child.wait()


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
