"""Controlled CPU load beside a benchmark: N busy processes, started and stopped by the script.

``cpu_load(n, max_seconds)`` is a context manager that starts ``n`` Python processes,
each spinning in a pure-Python loop (no sleep, no I/O), not pinned to any core (the
kernel schedules them like any other process, at the default nice level), and stops
them (SIGTERM, then SIGKILL) when the block ends.  Each loop also ends by itself after
``max_seconds`` or as soon as its parent is gone, so a benchmark that dies cannot
leave load behind.  ``describe()`` says how the load was made, for the JSON.
``n = 0`` starts nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

BUSY_LOOP = """
import os, sys, time
parent, end = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
spins = 0
while True:
    spins += 1
    if spins % 200000 == 0 and (time.monotonic() > end or os.getppid() != parent):
        break
"""
"""The loop each load process runs: arithmetic only, with a check of its deadline and
of its parent every 200,000 turns (a few ms)."""


class CpuLoad:
    """The running load processes and what they cost."""

    def __init__(self, processes: int, max_seconds: float) -> None:
        self.processes, self.max_seconds = processes, max_seconds
        self.children: list[subprocess.Popen[bytes]] = []
        self.pids: list[int] = []
        self.started = self.stopped = 0.0
        self.cpu_seconds: float | None = None
        self.all_stopped: bool | None = None

    def start(self) -> None:
        self.started = time.monotonic()
        for _ in range(self.processes):
            child = subprocess.Popen(
                [sys.executable, "-c", BUSY_LOOP, str(os.getpid()), str(self.max_seconds)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            self.children.append(child)
            self.pids.append(child.pid)

    def stop(self) -> None:
        before = os.times()
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        after = os.times()
        self.stopped = time.monotonic()
        # reaped children's CPU time: what the load processes actually ran
        self.cpu_seconds = round((after.children_user - before.children_user)
                                 + (after.children_system - before.children_system), 1)
        self.all_stopped = all(child.poll() is not None for child in self.children)

    def describe(self) -> dict[str, Any]:
        """How the load was made and what it ran, for the benchmark's JSON."""
        if not self.processes:
            return {"processes": 0}
        wall = (self.stopped or time.monotonic()) - self.started
        return {
            "processes": self.processes,
            "how": "N python processes each spinning in a pure-Python loop (bench/benchlib/load.py), "
                   "no CPU affinity set (not pinned), default nice level; started before the "
                   "first measurement, stopped (SIGTERM, then SIGKILL) after the last",
            "maxSeconds": self.max_seconds,
            "pids": self.pids,
            "wallSeconds": round(wall, 1),
            "cpuSeconds": self.cpu_seconds,
            "cpuShare": (round(self.cpu_seconds / (wall * self.processes), 3)
                         if self.cpu_seconds is not None and wall > 0 else None),
            "allStopped": self.all_stopped,
        }


@contextlib.contextmanager
def cpu_load(processes: int, max_seconds: float = 3600.0) -> Iterator[CpuLoad]:
    """``processes`` busy loops for the duration of the block (at most ``max_seconds``)."""
    load = CpuLoad(processes, max_seconds)
    try:
        load.start()
        yield load
    finally:
        load.stop()


def add_load_arguments(parser: Any) -> None:
    """``--load N`` and ``--load-max-seconds`` for a benchmark's argparse parser."""
    parser.add_argument("--load", type=int, default=0, metavar="N",
                        help="run N busy processes beside the benchmark for the whole run "
                             "(bench/benchlib/load.py); the JSON's 'load' says how")
    parser.add_argument("--load-max-seconds", type=float, default=4 * 3600.0,
                        help="each load process ends by itself after this long")
