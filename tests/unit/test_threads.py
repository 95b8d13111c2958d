"""llama.cpp's thread count follows the machine's load (``engine/threads.py``)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from busy import busy_processes, wait_until_busy
from ghost_ls.engine import threads
from ghost_ls.engine.threads import LoadAwareThreads, LoadSampler


class Ticks:
    """Stand-ins for /proc/stat and /proc/self/stat that the test advances."""

    def __init__(self) -> None:
        self.busy, self.total, self.own = 1000, 10_000, 100

    def advance(self, seconds: float, cores: int, others_busy: float, own_busy: float) -> None:
        ticks = int(seconds * 100)
        self.total += ticks * cores
        self.busy += int(ticks * (others_busy + own_busy))
        self.own += int(ticks * own_busy)


@pytest.fixture
def ticks(monkeypatch: pytest.MonkeyPatch) -> Ticks:
    fake = Ticks()
    monkeypatch.setattr(threads, "_machine_ticks", lambda *_: (fake.busy, fake.total))
    monkeypatch.setattr(threads, "_own_ticks", lambda *_: fake.own)
    clock = [1000.0]
    monkeypatch.setattr(threads.time, "monotonic", lambda: clock[0])
    fake.clock = clock  # type: ignore[attr-defined]
    return fake


def step(ticks: Ticks, seconds: float, others: float, own: float = 0.0, cores: int = 2) -> None:
    ticks.advance(seconds, cores, others, own)
    ticks.clock[0] += seconds  # type: ignore[attr-defined]


def test_idle_machine_gets_every_thread(ticks: Ticks) -> None:
    choice = LoadAwareThreads(0, 2, cores=2)
    step(ticks, 2.0, others=0.1, own=1.8)  # our own generation does not count as load
    assert choice.choose() == 2


def test_one_busy_process_leaves_one_thread(ticks: Ticks) -> None:
    choice = LoadAwareThreads(0, 2, cores=2)
    step(ticks, 2.0, others=1.0)
    assert choice.choose() == 1


def test_two_busy_processes_still_get_one_thread(ticks: Ticks) -> None:
    choice = LoadAwareThreads(0, 2, cores=2)
    step(ticks, 2.0, others=2.0)
    assert choice.choose() == 1


def test_the_load_going_away_gives_the_threads_back(ticks: Ticks) -> None:
    choice = LoadAwareThreads(0, 2, cores=2)
    step(ticks, 2.0, others=1.0)
    assert choice.choose() == 1
    step(ticks, 2.0, others=0.0, own=1.0)
    assert choice.choose() == 2


def test_a_configured_count_is_kept(ticks: Ticks) -> None:
    choice = LoadAwareThreads(2, 2, cores=2)
    step(ticks, 2.0, others=2.0)
    assert choice.choose() == 2


def test_a_short_window_keeps_the_last_choice(ticks: Ticks) -> None:
    choice = LoadAwareThreads(0, 2, cores=2)
    step(ticks, 2.0, others=1.0)
    assert choice.choose() == 1
    step(ticks, 0.1, others=0.0)
    assert choice.choose() == 1


def test_a_load_that_has_ended_does_not_count(ticks: Ticks) -> None:
    """The last generation was long ago and the machine busy since, idle for the last
    seconds: the recent notes decide, not the whole time since that generation."""
    choice = LoadAwareThreads(0, 2, cores=2)
    step(ticks, 30.0, others=2.0)  # a test suite ran
    for _ in range(4):  # then two idle seconds, noted every half second
        step(ticks, 0.5, others=0.0)
        choice.note()
    assert choice.choose() == 2


def test_a_load_that_has_begun_counts(ticks: Ticks) -> None:
    choice = LoadAwareThreads(0, 2, cores=2)
    step(ticks, 30.0, others=0.0)
    for _ in range(4):
        step(ticks, 0.5, others=1.0)
        choice.note()
    assert choice.choose() == 1


def test_the_sampler_notes_until_closed() -> None:
    choice = LoadAwareThreads(0, 2, cores=2)
    noted = threading.Event()
    choice.note = noted.set  # type: ignore[method-assign]
    sampler = LoadSampler(choice)
    assert noted.wait(10)
    sampler.close()
    assert sampler._thread is not None and not sampler._thread.is_alive()
    assert LoadSampler(LoadAwareThreads(1, 2, cores=2))._thread is None  # a set count: no thread


def test_time_stolen_by_the_hypervisor_is_not_load(tmp_path: Path) -> None:
    """/proc/stat: user nice system idle iowait irq softirq steal guest guest_nice."""
    stat = tmp_path / "stat"
    stat.write_text("cpu  700 0 100 150 0 0 0 250 0 0\ncpu0 1 2 3 4\n")
    assert threads._machine_ticks(stat) == (800, 950)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux /proc")
def test_the_language_servers_own_work_is_not_load() -> None:
    """The engine's child leaves its parent's CPU time out: measured over the same
    window, a busy "parent" counts as load only for a chooser that is not told its pid
    (a difference, so other work on the machine does not decide the test)."""
    cores = os.cpu_count() or 1
    with busy_processes(1) as pids:
        told = LoadAwareThreads(0, 2, cores=cores, not_load_pids=pids)
        untold = LoadAwareThreads(0, 2, cores=cores)
        wait_until_busy(pids, 0.5)
        told.choose()
        untold.choose()
    assert untold.others_busy - told.others_busy > 0.1  # cores: the busy process's share


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads Linux /proc")
def test_real_busy_processes_are_seen() -> None:
    cores = os.cpu_count() or 1
    choice = LoadAwareThreads(0, cores, cores=cores)
    with busy_processes(cores) as pids:
        wait_until_busy(pids, 0.5)
        assert choice.choose() == 1
        assert choice.others_busy > cores / 2
