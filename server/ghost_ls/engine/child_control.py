"""The engine's child process seen from the server: start it, talk to it, stop it.

:class:`EngineProcess` starts ``python -m ghost_ls.engine.child_main`` with a socket for
messages and shared memory holding a cancel flag and two counts the child keeps (a
sign of life from a thread, and progress: one per look at the cancel flag, which the
prompt read takes between llama.cpp's operations, and sampling before each token).
While it waits for an answer it copies a request's cancel event into the flag, gives up
on a child that does not stop ``KILL_AFTER_SECONDS`` after a cancel (:class:`ChildStuck`),
and a :class:`Watch` gives up on one that is hung (:class:`ChildHung`): no sign of life
for ``ALIVE_STALL_SECONDS`` (stopped, SIGSTOP, or not scheduled at all), or alive but
without progress for ``PROGRESS_STALL_SECONDS`` (wedged in llama.cpp).  A slow engine
still counts progress at every chunk and token, so it is never taken for a hung one.
:class:`StderrTail` logs the child's stderr
and keeps its last lines (llama.cpp's failed assertion names a crash); the end of that
stream is how an exit is noticed; :func:`buffers_fallback` says which exits may be
the extra buffer types' fault.  What the messages mean, and restarting after a
crash, belong to :class:`~ghost_ls.engine.child_backend.ProcessBackend`.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import mmap
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO

import ghost_ls
from ghost_ls.engine import child_main as protocol
from ghost_ls.engine.child_main import SharedFlag
from ghost_ls.engine.cpu_features import ExtraBuffersChoice, crash_fallback
from ghost_ls.errors import ModelError

log = logging.getLogger(__name__)

POLL_SECONDS = 0.02
"""How often ``request.cancel`` is looked at (and copied to the shared flag) while the
child works.  Each look wakes this process, and a wake-up on a busy 2-core machine can
stall llama.cpp's threads in the child: 50 a second are cheap, and a cancel reaches the
child within about one token."""
KILL_AFTER_SECONDS = 5.0
"""A cancelled child that has not answered by then is killed and restarted."""
ALIVE_STALL_SECONDS = 10.0
"""A child whose sign of life (a thread beating every 0.25 s) stands still this long is
stopped: killed and restarted, the request answered with an error.  Loading included."""
PROGRESS_STALL_SECONDS = 60.0
"""A generation whose progress count stands still this long, the child alive, is wedged.
On a CPU progress moves between llama.cpp's operations (many a second); on a GPU, whose
backend does not look at the flag, once per prompt chunk and per token: a chunk of a 7B
takes well under a second there.  A model too big for the machine, paging its weights
from disk, may still take long between two looks: this leaves room for it."""
FIRST_DECODE_STALL_SECONDS = 120.0
"""``PROGRESS_STALL_SECONDS`` until the child's first decode is done: its first chunk
may wait for the model's weights to be paged in from disk."""
EXIT_WAIT_SECONDS = 5.0


class ChildGone(Exception):
    """The engine process closed its end of the connection (it exited or crashed)."""


class ChildStuck(Exception):
    """The engine process did not stop within ``KILL_AFTER_SECONDS`` of a cancel."""


class ChildHung(Exception):
    """The engine process showed no sign of life, or no progress, for too long."""


class Watch:
    """The child's counts as seen while waiting on it: :meth:`check` raises
    :class:`ChildHung` once the sign of life has stood still for ``ALIVE_STALL_SECONDS``,
    or progress for ``progress_stall`` (None: not watched, as while loading)."""

    def __init__(self, flag: SharedFlag, progress_stall: float | None) -> None:
        self._flag = flag
        self.progress_stall = progress_stall
        now = time.monotonic()
        self._alive, self._alive_at = flag.alive(), now
        self._progress, self._progress_at = flag.progress(), now

    def check(self, now: float) -> None:
        alive, progress = self._flag.alive(), self._flag.progress()
        if alive != self._alive:
            self._alive, self._alive_at = alive, now
        elif now - self._alive_at > ALIVE_STALL_SECONDS:
            raise ChildHung(f"no sign of life for {ALIVE_STALL_SECONDS:.0f} s")
        if progress != self._progress:
            self._progress, self._progress_at = progress, now
        elif self.progress_stall is not None and now - self._progress_at > self.progress_stall:
            raise ChildHung(f"no progress for {self.progress_stall:.0f} s")


def describe_exit(returncode: int | None) -> str:
    """``SIGSEGV`` for a process killed by a signal, ``exit status 3`` otherwise."""
    if returncode is None:
        return "no exit status"
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit status {returncode}"


NATIVE_FAULTS = frozenset({signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGABRT})
"""The deaths that can be llama.cpp's extra buffer types failing (the AMX crash is a
SIGSEGV; a failed GGML assertion aborts).  SIGKILL (the OOM killer, a user, our own
kill of a hung child) and SIGTERM never are."""


def buffers_fallback(child: EngineProcess, returncode: int | None) -> ExtraBuffersChoice | None:
    """The extra-buffers choice to restart with after ``child`` died, if not its own.

    Only a native fault at the first decode, of a child that was not killed by this
    process, points at the extra buffer types (``engine/cpu_features.py``)."""
    if child.decoded or child.killed_for or returncode is None or returncode >= 0:
        return None
    if -returncode not in NATIVE_FAULTS:
        return None
    return crash_fallback(child.choice)


def create_shared_flag() -> SharedFlag:
    """A cancel flag in anonymous shared memory (memfd; an unlinked temp file elsewhere)."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("ghost-ls-cancel")  # close-on-exec: only pass_fds hands it on
    else:  # macOS
        handle, name = tempfile.mkstemp(prefix="ghost-ls-cancel-")
        os.unlink(name)
        fd = handle
    os.ftruncate(fd, mmap.PAGESIZE)
    return SharedFlag(fd)


class StderrTail:
    """Reads the child's stderr into this process' log, keeping its last lines.

    The stream ends when the child exits: ``on_end`` is then called (on this reader's
    thread), which is how a crash of an idle engine is noticed at once.
    """

    def __init__(self, stream: IO[bytes], pid: int, on_end: Callable[[], None] | None = None) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=40)
        self._pid = pid
        self._on_end = on_end
        self._thread = threading.Thread(
            target=self._read, args=(stream,), name=f"ghost-engine-{pid}-stderr", daemon=True
        )
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        with stream:
            for raw in stream:
                line = raw.decode("utf-8", "replace").rstrip()
                if not line:
                    continue
                self.lines.append(line)
                loud = line.startswith(("WARNING ", "ERROR ", "CRITICAL ")) or "GGML_ASSERT" in line
                log.log(logging.WARNING if loud else logging.DEBUG, "engine %d: %s", self._pid, line)
        if self._on_end is not None:
            self._on_end()

    def join(self, timeout: float) -> None:
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def native_error(self) -> str:
        """The last failed assertion or error llama.cpp printed, if any."""
        for line in reversed(self.lines):
            if "GGML_ASSERT" in line or "GGML_ABORT" in line:
                return line[line.find("GGML_A") :]
        return ""


class EngineProcess:
    """One child process and the connection to it."""

    def __init__(
        self, choice: ExtraBuffersChoice, on_exit: Callable[[EngineProcess], None] | None = None
    ) -> None:
        self.choice = choice
        self.decoded = False
        """Whether a decode (a whole prompt, or a cancelled part of one) finished in it."""
        self.serving = False
        """Loaded, and not being stopped on purpose: an exit now is a crash."""
        self.crash_claimed = False
        self.killed_for = ""
        """Why this process killed the child (it hung), or empty: then an exit is its own."""
        self.crash_message = ""
        self.crash_handled = threading.Event()
        parent_end, child_end = socket.socketpair()
        self.flag = create_shared_flag()
        command = [
            sys.executable,
            "-m",
            "ghost_ls.engine.child_main",
            "--conn-fd",
            str(child_end.fileno()),
            "--cancel-fd",
            str(self.flag.fd),
            "--log-level",
            str(logging.getLogger().getEffectiveLevel()),
        ]
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # the server's stdout is JSON-RPC
                stderr=subprocess.PIPE,
                pass_fds=(child_end.fileno(), self.flag.fd),
                env=child_environment(),
            )
        except OSError as error:
            parent_end.close()
            self.flag.close()
            raise ModelError(f"could not start the engine process ({sys.executable}): {error}") from error
        finally:
            child_end.close()
        self.pid = self.process.pid
        self.conn = Connection(parent_end.detach())
        assert self.process.stderr is not None
        self.stderr = StderrTail(
            self.process.stderr, self.pid, (lambda: on_exit(self)) if on_exit is not None else None
        )

    def send(self, message: bytes) -> None:
        try:
            self.conn.send_bytes(message)
        except OSError as error:
            raise ChildGone from error

    def receive(self, cancel: threading.Event | None = None, watch: Watch | None = None) -> bytes:
        """The next message; copies ``cancel`` into the shared flag while waiting, and
        raises :class:`ChildHung` when ``watch`` finds the heartbeat standing still."""
        try:
            if cancel is not None or watch is not None:
                cancelled_at = 0.0
                while not self.conn.poll(POLL_SECONDS):
                    now = time.monotonic()
                    if watch is not None:
                        watch.check(now)
                    if cancel is None or not cancel.is_set():
                        continue
                    if not cancelled_at:
                        self.flag.set()
                        cancelled_at = now
                    elif now - cancelled_at > KILL_AFTER_SECONDS:
                        raise ChildStuck
            return self.conn.recv_bytes()
        except (EOFError, OSError) as error:
            raise ChildGone from error

    def wait_exit(self) -> int | None:
        """The exit status once the process is gone (killed if it lingers)."""
        try:
            returncode = self.process.wait(EXIT_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            returncode = self.process.wait()
        self.stderr.join(2.0)
        return returncode

    def stop(self) -> None:
        """Ask the child to exit; kill it if it does not."""
        self.serving = False
        if self.process.poll() is None:
            try:
                self.conn.send_bytes(protocol.QUIT)
                self.process.wait(2.0)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        self.close()

    def kill(self) -> None:
        self.serving = False
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def kill_hung(self, why: str) -> None:
        """SIGKILL (it ends a stopped process too), leaving the exit to be handled as a
        crash that ``killed_for`` explains."""
        self.killed_for = why
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()

    def close(self) -> None:
        self.conn.close()
        with contextlib.suppress(OSError, ValueError):  # closed twice
            self.flag.close()


def child_environment() -> dict[str, str]:
    """The child's environment: this process' ghost_ls first on the path, no gdb backtraces."""
    env = dict(os.environ)
    package_root = str(Path(ghost_ls.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    # ggml's crash handler attaches gdb for a backtrace when it finds one: seconds of
    # delay and a page of noise per crash.  The failed assertion is still printed.
    env.setdefault("GGML_NO_BACKTRACE", "1")
    return env
