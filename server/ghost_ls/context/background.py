"""The context engine's background thread: parses and indexing never delay a keystroke.

Jobs are plain callables run in priority order (0 first: parses of open documents;
then index updates; the workspace scan last, in slices that re-queue themselves by
returning True).  When the queue is empty the thread calls its ``on_idle`` hook about
twice a second (the indexer uses it to debounce re-indexing of edited documents).

The thread lowers its own scheduling priority where the OS allows it, and the parses
it runs call back into Python (tree-sitter's progress callback), so the interpreter
switches back to the request thread every few milliseconds even mid-parse.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

Job = Callable[[], object]
PARSE, INDEX, SCAN = 0, 1, 2
_STOP = object()


class ContextThread:
    """The context engine's one background thread, with a priority queue of jobs."""

    def __init__(self, name: str = "ghost-ls-context",
                 on_idle: Callable[[], None] | None = None) -> None:
        self._name = name
        self._queue: queue.PriorityQueue[tuple[int, int, object]] = queue.PriorityQueue()
        self._counter = itertools.count()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._busy = False
        self._closed = False
        self.on_idle = on_idle
        self.errors = 0

    def submit(self, job: Job, priority: int = INDEX) -> None:
        """Run ``job`` on the background thread; a job returning True runs again later."""
        if self._closed:
            return
        self._ensure_thread()
        self._queue.put((priority, next(self._counter), job))

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def close(self, timeout: float = 2.0) -> None:
        """Stop the thread (queued jobs are dropped)."""
        self._closed = True
        thread = self._thread
        if thread is not None:
            self._queue.put((-1, -1, _STOP))
            thread.join(timeout)

    def idle(self) -> bool:
        return not self._busy and self._queue.empty()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no job is queued or running (tests and benchmarks)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.idle():
                return True
            time.sleep(0.005)
        return self.idle()

    def _run(self) -> None:
        _lower_priority()
        while True:
            try:
                priority, _seq, job = self._queue.get(timeout=0.5)
            except queue.Empty:
                self._idle_hook()
                continue
            if job is _STOP:
                return
            self._busy = True
            try:
                again = callable(job) and job()
            except Exception:
                self.errors += 1
                log.exception("background context job failed")
                again = False
            finally:
                self._busy = False
            if again is True and not self._closed:
                self._queue.put((priority, next(self._counter), job))
            if self._queue.empty():
                self._idle_hook()

    def _idle_hook(self) -> None:
        if self.on_idle is None or self._closed:
            return
        try:
            self.on_idle()
        except Exception:
            log.exception("background idle hook failed")


def _lower_priority() -> None:
    """Nice this thread (Linux applies setpriority to a thread id)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
