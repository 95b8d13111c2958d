"""How many threads llama.cpp gets for the next generation: the cores the machine has free.

On a 2-core laptop that is compiling or running tests, two llama.cpp threads fight the
other work for both cores, and each step of a thread waits at a barrier for the other,
which the scheduler has put behind the busy process: a prompt read has been seen to take
ten times as long with 2 threads as with 1 (``bench/threads_load.py``).  With
``threads: 0`` (the default) :class:`LoadAwareThreads` measures, before each generation,
how much CPU the rest of the machine used since the last look (``/proc/stat`` less this
process's own time) and gives llama.cpp the cores left, at least one and at most the
machine's default (``llama_loading.default_threads``).  A number in the setting is used
as it is.  Where ``/proc`` cannot be read (not Linux) the default is used.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

MIN_WINDOW_SECONDS = 0.25
"""A shorter interval since the last look reuses the last decision (too few clock ticks)."""

BUSY_SHARE = 0.5
"""A core counts as taken when other processes used at least this share of it."""


def _machine_ticks() -> tuple[int, int] | None:
    """(busy, total) clock ticks of all CPUs since boot, from ``/proc/stat``."""
    try:
        first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if not first or first[0] != "cpu":
        return None
    values = [int(value) for value in first[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


def _own_ticks() -> int | None:
    """Clock ticks this process (all its threads) has run, from ``/proc/self/stat``."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # utime, stime


class LoadAwareThreads:
    """Chooses llama.cpp's thread count per generation from the machine's current load."""

    def __init__(self, configured: int, most: int, cores: int | None = None) -> None:
        self.configured = configured
        self.most = max(1, most)
        self.cores = cores or os.cpu_count() or 1
        self.last_choice = self.most if configured <= 0 else configured
        self.others_busy = 0.0
        """Cores the rest of the machine kept busy in the last window measured."""
        self._last: tuple[float, int, int, int] | None = None
        self.sample()

    def sample(self) -> None:
        """Remember the counters now: the next choice measures the load since."""
        machine, own = _machine_ticks(), _own_ticks()
        if machine is not None and own is not None:
            self._last = (time.monotonic(), machine[0], machine[1], own)

    def choose(self) -> int:
        """The thread count for the generation about to start."""
        if self.configured > 0:
            return self.configured
        previous = self._last
        machine, own = _machine_ticks(), _own_ticks()
        if previous is None or machine is None or own is None:
            return self.most
        if time.monotonic() - previous[0] < MIN_WINDOW_SECONDS:
            return self.last_choice
        busy, total = machine[0] - previous[1], machine[1] - previous[2]
        if total <= 0:
            return self.last_choice
        others = max(0, busy - (own - previous[3]))
        self.others_busy = others / total * self.cores
        taken = int(self.others_busy + (1 - BUSY_SHARE))
        self.last_choice = max(1, min(self.most, self.cores - taken))
        self._last = (time.monotonic(), machine[0], machine[1], own)
        return self.last_choice
