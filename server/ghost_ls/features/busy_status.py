"""The ``generating`` status of one model job, sent only when the job takes a while.

A keystroke's model job often ends within tens of milliseconds (a few tokens, the KV
cache warm).  Announcing each one would flicker the editor's spinner and put two more
messages and two thread hops on every keystroke's path; so ``generating`` goes out
only once a job has run for :data:`BUSY_STATUS_DELAY_SECONDS`
(``bench/server_overhead.py`` measures the path).
"""

from __future__ import annotations

import asyncio
import threading
import time

from ghost_ls.session_views import BusyReporting

BUSY_STATUS_DELAY_SECONDS = 0.1
"""A model job that runs longer than this is announced with ``generating``."""


class BusyStatus:
    """``generating`` once a model job has run for a moment, the host's state when it ends.

    A job shorter than :data:`BUSY_STATUS_DELAY_SECONDS` sends no status.  One that runs
    longer gets ``generating``, then the host's state when it ends, also when it was
    cancelled, so the client's spinner always stops; an error the backend reported
    during the job (its server went away) is the host's state then, and stays the
    status.  The worker thread only sets flags (:meth:`job_started`, :meth:`job_ended`);
    the timer runs on the event loop, entered with ``with``.
    """

    def __init__(self, session: BusyReporting) -> None:
        self._session = session
        self._lock = threading.Lock()
        self._started_at: float | None = None
        self._ended = False
        self._closed = False
        self._shown = False
        self._timer: asyncio.TimerHandle | None = None

    def job_started(self) -> None:
        """On the worker thread, as the job begins."""
        self._started_at = time.monotonic()

    def job_ended(self) -> None:
        """On the worker thread, as the job ends (in a ``finally``)."""
        with self._lock:
            self._ended = True
            shown = self._shown
        if shown:
            host = self._session.host
            self._session.post_status(host.state, host.message)

    def _tick(self) -> None:
        with self._lock:
            if self._ended or self._closed:
                return
            started_at = self._started_at
            waited = time.monotonic() - started_at if started_at is not None else 0.0
            if started_at is not None and waited >= BUSY_STATUS_DELAY_SECONDS:
                self._shown = True
                self._session.post_status("generating", self._session.host.message)
                return
        self._arm(BUSY_STATUS_DELAY_SECONDS - waited)

    def _arm(self, delay: float) -> None:
        self._timer = asyncio.get_running_loop().call_later(delay, self._tick)

    def __enter__(self) -> BusyStatus:
        self._arm(BUSY_STATUS_DELAY_SECONDS)
        return self

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self._closed = True  # a job still running after a cancel ends within a token
        if self._timer is not None:
            self._timer.cancel()
