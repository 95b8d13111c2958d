"""The one inference thread, and cancellation that reaches into a running generation.

llama.cpp's context is not thread-safe and a 2-core laptop has no room for two
generations at once, so every model call runs on one worker thread, in order.  Each job
carries a ``threading.Event``: ``$/cancelRequest``, a newer request for the same
document, or shutdown sets it, and the backend checks it between tokens (and between
prompt chunks), so a superseded generation ends within one token.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class InferenceWorker:
    """Runs jobs on a single thread; a new job for a key cancels the previous one."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ghost-inference")
        self._latest: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self.busy = False

    def new_cancel_event(self, key: str | None) -> threading.Event:
        """A cancel flag for a new job; cancels the running job of the same ``key``."""
        event = threading.Event()
        if key is not None:
            with self._lock:
                previous = self._latest.get(key)
                if previous is not None:
                    previous.set()
                self._latest[key] = event
        return event

    def cancel_key(self, key: str) -> None:
        with self._lock:
            event = self._latest.pop(key, None)
        if event is not None:
            event.set()

    def cancel_all(self) -> None:
        with self._lock:
            events = list(self._latest.values())
            self._latest.clear()
        for event in events:
            event.set()

    def start(self, job: Callable[[], T], cancel: threading.Event) -> asyncio.Future[T | None]:
        """Queue ``job`` on the worker; its future resolves to None when ``cancel`` was set
        before it started.  Must be called on the event loop."""

        def guarded() -> T | None:
            if cancel.is_set():
                return None
            self.busy = True
            try:
                return job()
            finally:
                self.busy = False

        return asyncio.get_running_loop().run_in_executor(self._executor, guarded)

    async def run(self, job: Callable[[], T], cancel: threading.Event) -> T | None:
        """Run ``job`` on the worker; None when cancelled before it started.

        If the awaiting task is cancelled (``$/cancelRequest``), ``cancel`` is set so the
        job stops at its next check, and CancelledError propagates to pygls.
        """
        future = self.start(job, cancel)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            cancel.set()
            raise

    def submit(self, job: Callable[[], T]) -> None:
        """Run ``job`` on the worker without waiting (model loading, prefetch)."""
        self._executor.submit(job)

    def shutdown(self) -> None:
        self.cancel_all()
        self._executor.shutdown(wait=False, cancel_futures=True)
