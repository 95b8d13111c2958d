"""How many threads llama.cpp gets for the next prompt chunk or sampling: the cores the machine has free.

On a 2-core laptop that is compiling or running tests, two llama.cpp threads fight the
other work for both cores, and each step of a thread waits at a barrier for the other,
which the scheduler has put behind the busy process: a prompt read has been seen to take
ten times as long with 2 threads as with 1 (``bench/threads_load.py``).  With
``threads: 0`` (the default) :class:`LoadAwareThreads` measures, before each prompt
chunk the engine reads and before it samples (``engine/llama.py``),
how much CPU the rest of the machine used in about the last second (``/proc/stat``
less ghost-ls' own time) and gives llama.cpp the cores left, at least one and at most the
machine's default (``llama_loading.default_threads``).  A number in the setting is used
as it is.  Where ``/proc`` cannot be read (not Linux) the default is used.

What counts as load:

* not this engine, nor the language server that started it (``not_load_pids``): their
  own work is over when the generation starts, and the server's indexer runs niced;
* not the time the hypervisor gave this VM's CPUs to other machines (``steal`` in
  ``/proc/stat``): a busy host slows both thread counts alike, and two threads still
  read faster than one on such a VM, while counting steal as load chose one thread on
  an idle machine;
* only the recent past: the last generation may have been minutes ago, the machine
  busy then and idle now (a test run that has ended).  :class:`LoadSampler` notes the
  counters every ``NOTE_SECONDS`` and :meth:`LoadAwareThreads.choose` measures from the
  newest note at least ``RECENT_SECONDS`` old.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

MIN_WINDOW_SECONDS = 0.25
"""A shorter interval since the last look reuses the last decision (too few clock ticks)."""

BUSY_SHARE = 0.5
"""A core counts as taken when other processes used at least this share of it."""

RECENT_SECONDS = 1.0
"""The load is measured over about the last second, when notes that recent exist."""

NOTE_SECONDS = 0.5
"""How often :class:`LoadSampler` notes the counters."""

Snapshot = tuple[float, int, int, int]
"""(monotonic time, machine busy ticks, machine total ticks, our own ticks)."""


def _machine_ticks(stat: Path = Path("/proc/stat")) -> tuple[int, int] | None:
    """(busy, total) clock ticks of all CPUs since boot, from ``/proc/stat``, without
    the ticks stolen by the hypervisor."""
    try:
        first = stat.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if not first or first[0] != "cpu":
        return None
    values = [int(value) for value in first[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    steal = values[7] if len(values) > 7 else 0
    total = sum(values[:8]) - steal  # guest time is already counted in user
    return total - idle, total


def _process_ticks(pid: int | str) -> int | None:
    """Clock ticks process ``pid`` (all its threads) has run, from ``/proc/<pid>/stat``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # utime, stime


def _own_ticks(not_load_pids: Sequence[int] = ()) -> int | None:
    """Clock ticks of this process and of ``not_load_pids`` (those gone count 0)."""
    own = _process_ticks("self")
    if own is None:
        return None
    return own + sum(_process_ticks(pid) or 0 for pid in not_load_pids)


class LoadAwareThreads:
    """Chooses llama.cpp's thread count per generation from the machine's current load."""

    def __init__(
        self, configured: int, most: int, cores: int | None = None, not_load_pids: Sequence[int] = ()
    ) -> None:
        self.configured = configured
        self.most = max(1, most)
        self.cores = cores or os.cpu_count() or 1
        self.not_load_pids = tuple(not_load_pids)
        self.last_choice = self.most if configured <= 0 else configured
        self.others_busy = 0.0
        """Cores the rest of the machine kept busy in the last window measured."""
        self._notes: collections.deque[Snapshot] = collections.deque(maxlen=8)
        self._lock = threading.Lock()
        self._last: Snapshot | None = self._snapshot()

    def _snapshot(self) -> Snapshot | None:
        machine, own = _machine_ticks(), _own_ticks(self.not_load_pids)
        if machine is None or own is None:
            return None
        return time.monotonic(), machine[0], machine[1], own

    def note(self) -> None:
        """Keep a snapshot of the counters: a later choice may measure from it."""
        snapshot = self._snapshot()
        if snapshot is not None:
            with self._lock:
                self._notes.append(snapshot)

    def _window_start(self, now: float) -> Snapshot | None:
        """The newest note at least ``RECENT_SECONDS`` old, else the last choice's."""
        with self._lock:
            old_enough = [note for note in self._notes if now - note[0] >= RECENT_SECONDS]
        previous = self._last
        if old_enough and (previous is None or old_enough[-1][0] > previous[0]):
            return old_enough[-1]
        return previous

    def choose(self) -> int:
        """The thread count for the prompt chunk or the sampling about to start."""
        if self.configured > 0:
            return self.configured
        now = self._snapshot()
        if now is None:
            return self.most
        previous = self._window_start(now[0])
        if previous is None:
            return self.most
        if now[0] - previous[0] < MIN_WINDOW_SECONDS:
            return self.last_choice
        busy, total = now[1] - previous[1], now[2] - previous[2]
        if total <= 0:
            return self.last_choice
        others = max(0, busy - (now[3] - previous[3]))
        self.others_busy = others / total * self.cores
        taken = int(self.others_busy + (1 - BUSY_SHARE))
        self.last_choice = max(1, min(self.most, self.cores - taken))
        self._last = now
        return self.last_choice


class LoadSampler:
    """A daemon thread that calls ``choice.note()`` every ``NOTE_SECONDS`` until closed
    (a few small ``/proc`` reads each time); none when the count is configured."""

    def __init__(self, choice: LoadAwareThreads) -> None:
        self._choice = choice
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        if choice.configured <= 0:
            self._thread = threading.Thread(target=self._run, name="ghost-load-sampler", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(NOTE_SECONDS):
            self._choice.note()

    def close(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
