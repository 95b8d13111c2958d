"""The engine's child process: llama.cpp and its KV cache, driven by the language server.

``python -m ghost_ls.engine.child_main --conn-fd N --cancel-fd M`` is started by
``engine/child_backend.py`` (never by hand).  fd N is one end of a socketpair, wrapped in a
``multiprocessing.connection.Connection``; fd M is a shared memory file whose first
byte is the cancel flag, read between prompt chunks, by llama.cpp's abort callback
between the operations of a chunk, and before each token.
Every such look also counts up the progress count (bytes 8 to 15 of the same memory),
and a thread counts up the sign of life (bytes 16 to 23) every ``ALIVE_BEAT_SECONDS``:
the parent watches both, to tell a slow engine (they move) from a stopped one (SIGSTOP:
neither moves) or one wedged in llama.cpp (alive, no progress), ``engine/child_control.py``.

Messages are byte strings whose first byte says what they are (listed below).  The
child loads the model once, then runs one generation at a time.  A generation is one
message each way, plus notifications that nobody waits for: the request (``G``: the
prompt's token ids and the request's rules, the stop rule included) and the result
(``D``).  The child runs the same :class:`StreamDriver` as the in-process
backend, so the stop rule is checked here, between tokens, and the KV cache ends as
the in-process loop leaves it; a round trip per token would cost a wake-up of each
process on every newline or bracket.

Nothing is ever written to stdout (the server's stdout is JSON-RPC; the parent gives
the child /dev/null there); logs go through Python logging to stderr, which the parent
reads and logs.  A native crash kills only this process.

Test hook: with ``GHOST_LS_TEST_CRASH_AT_FIRST_DECODE=1`` in the environment the child
sends itself SIGSEGV just before its first decode, but only when extra buffer types are
on: the crash llama.cpp's AMX buffer causes, for testing the crash fallback on a CPU
without AMX.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import mmap
import os
import pickle
import signal
import struct
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ghost_ls.engine.backend import (
    GenerationRequest,
    GenerationResult,
    Prompt,
    StopRule,
    TextSink,
    held_back_mark,
)
from ghost_ls.engine.streaming import StreamDriver
from ghost_ls.errors import BackendError, GhostError

log = logging.getLogger("ghost_ls.engine.child_main")

CRASH_HOOK_ENV = "GHOST_LS_TEST_CRASH_AT_FIRST_DECODE"

# Message kinds: the first byte of every message.
LOAD = b"L"  # parent -> child: pickled load parameters
LOADED = b"K"  # child -> parent: the pickled BackendInfo
LOAD_FAILED = b"F"  # child -> parent: pickled message; the child then exits
GENERATE = b"G"  # parent -> child: pickled (the prompt's token ids, Job)
SAMPLING = b"S"  # child -> parent, not answered: the prompt is read (a decode finished)
TEXT = b"T"  # child -> parent, not answered: the text kept so far, UTF-8 (Job.stream only)
DONE = b"D"  # child -> parent: pickled (GenerationResult, compute seconds); ends every generation
PING = b"N"  # parent -> child, answered with PING: a no-op round trip
QUIT = b"Q"  # parent -> child: exit


@dataclass(frozen=True)
class Job:
    """One generation's rules as the child gets them (the prompt travels as token ids)."""

    max_tokens: int
    temperature: float
    seed: int
    time_budget: float
    stop: StopRule | None
    stop_strings: tuple[str, ...]
    stream: bool
    """Whether the parent wants the text as it grows (``TEXT``), for ``request.on_text``."""
    cold_tokens: tuple[int, ...] = ()
    """The token ids of ``request.cold_prompt`` (empty when it has none)."""
    first_mark: str = ""
    """The mark the first sampled token must begin with (``held_back_mark``)."""

    @classmethod
    def of(cls, request: GenerationRequest, cold_tokens: Sequence[int] = ()) -> Job:
        return cls(
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            seed=request.seed,
            time_budget=request.time_budget,
            stop=request.stop,
            stop_strings=request.stop_strings,
            stream=request.on_text is not None,
            cold_tokens=tuple(cold_tokens),
            first_mark=held_back_mark(request.prompt.held_back),
        )

    def request(self, on_text: TextSink | None) -> GenerationRequest:
        """The child's copy of the request (the prompt is already in ``tokens``)."""
        return GenerationRequest(
            prompt=Prompt(""),
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            seed=self.seed,
            time_budget=self.time_budget,
            stop=self.stop,
            on_text=on_text if self.stream else None,
            stop_strings=self.stop_strings,
        )


def job_message(tokens: list[int], job: Job) -> bytes:
    """``GENERATE``; pickling fails here (PicklingError, AttributeError, TypeError) when
    the stop rule cannot travel."""
    return GENERATE + pickle.dumps((tokens, job))


def read_job(body: bytes) -> tuple[list[int], Job]:
    tokens, job = pickle.loads(body)
    return tokens, job


@dataclass(frozen=True)
class ChildTimes:
    """When the child read a job, began it and finished it (``time.perf_counter()``:
    the system's monotonic clock on Linux and macOS, so the parent can compare)."""

    received: float
    started: float
    finished: float

    @property
    def compute_seconds(self) -> float:
        return self.finished - self.started


@dataclass(frozen=True)
class BoundaryTimes:
    """One generation's seconds spent on the process boundary, part by part (the parent's
    view: ``ProcessBackend.last_boundary``)."""

    pack_job: float
    """Pickling the job in the language server."""
    to_child: float
    """From sending it to the child's ``recv`` returning (the child's wake-up)."""
    unpack_job: float
    """From there to the child starting the job (unpickling it, the stop rule's module)."""
    to_parent: float
    """From the child finishing to the result arriving (pickling, the server's wake-up)."""
    unpack_result: float
    """Unpickling the result in the language server."""

    @classmethod
    def of(
        cls, pack_job: float, sent: float, child: ChildTimes, arrived: float, unpacked: float
    ) -> BoundaryTimes:
        return cls(
            pack_job=pack_job,
            to_child=child.received - sent,
            unpack_job=child.started - child.received,
            to_parent=arrived - child.finished,
            unpack_result=unpacked - arrived,
        )

    @property
    def total(self) -> float:
        return self.pack_job + self.to_child + self.unpack_job + self.to_parent + self.unpack_result


def result_message(result: GenerationResult, times: ChildTimes) -> bytes:
    # the times as plain numbers: this module runs as ``__main__`` in the child, where
    # a pickled ChildTimes would name a class the parent cannot find
    return DONE + pickle.dumps((result, dataclasses.astuple(times)))


def read_result(body: bytes) -> tuple[GenerationResult, ChildTimes]:
    result, times = pickle.loads(body)
    return result, ChildTimes(*times)


ALIVE_BEAT_SECONDS = 0.25
"""How often the child's heartbeat thread counts a sign of life."""

_COUNT = struct.Struct("<Q")
_PROGRESS_AT = 8
_ALIVE_AT = 16


class SharedFlag:
    """Memory shared by both processes: the cancel flag (byte 0), the child's progress
    count (bytes 8 to 15) and its sign-of-life count (bytes 16 to 23).  Only the child
    writes the counts; a torn read only looks like one more beat."""

    SIZE = _ALIVE_AT + _COUNT.size

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._map = mmap.mmap(fd, self.SIZE)

    def is_set(self) -> bool:
        return self._map[0] != 0

    def set(self) -> None:
        self._map[0] = 1

    def clear(self) -> None:
        self._map[0] = 0

    def _count(self, at: int) -> int:
        return int(_COUNT.unpack_from(self._map, at)[0])

    def _bump(self, at: int) -> None:
        _COUNT.pack_into(self._map, at, (self._count(at) + 1) & 0xFFFF_FFFF_FFFF_FFFF)

    def progress(self) -> int:
        return self._count(_PROGRESS_AT)

    def beat(self) -> None:
        """The engine made progress (took a job, read a prompt chunk, sampled a token)."""
        self._bump(_PROGRESS_AT)

    def alive(self) -> int:
        return self._count(_ALIVE_AT)

    def beat_alive(self) -> None:
        self._bump(_ALIVE_AT)

    def close(self) -> None:
        self._map.close()
        os.close(self.fd)


class BeatingFlag:
    """The shared flag as a generation in the child looks at it: every look (between
    prompt chunks, before each token) is a beat of progress."""

    def __init__(self, shared: SharedFlag) -> None:
        self.shared = shared

    def is_set(self) -> bool:
        self.shared.beat()
        return self.shared.is_set()


class Heartbeat:
    """A thread that counts a sign of life every ``ALIVE_BEAT_SECONDS`` for as long as the
    process runs (loading included): a stopped child's count stands still."""

    def __init__(self, shared: SharedFlag) -> None:
        self._shared = shared
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ghost-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._done.wait(ALIVE_BEAT_SECONDS):
            self._shared.beat_alive()

    def __enter__(self) -> Heartbeat:
        self._shared.beat_alive()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


class ChildDriver(StreamDriver):
    """The in-process driver, telling the parent when the prompt is read."""

    def __init__(self, conn: Connection, request: GenerationRequest, result: GenerationResult,
                 cancel: BeatingFlag) -> None:
        super().__init__(request, result, cancel)
        self._conn = conn

    def start_sampling(self) -> None:
        self._conn.send_bytes(SAMPLING)
        super().start_sampling()


class Engine:
    """Serves one parent: load, then generations, until QUIT or the connection closes."""

    def __init__(self, conn: Connection, cancel: SharedFlag) -> None:
        self._conn = conn
        self._shared = cancel
        self._cancel = BeatingFlag(cancel)
        self._backend: Any = None
        self._extra_buffers = True
        self._decoded = False

    def load(self, params: dict[str, Any]) -> bool:
        from ghost_ls.engine.llama import LlamaBackend

        self._extra_buffers = bool(params["extra_buffers"])
        try:
            self._backend = LlamaBackend(
                Path(params["model_path"]),
                gpu_layers=int(params["gpu_layers"]),
                context_size=int(params["context_size"]),
                threads=int(params["threads"]),
                extra_buffers=self._extra_buffers,
                extra_buffers_reason=str(params["extra_buffers_reason"]),
                native_stderr=True,
                flash_attention=bool(params.get("flash_attention", False)),
                not_load_pids=(os.getppid(),),  # the language server's work is not load
            )
        except GhostError as error:
            self._conn.send_bytes(LOAD_FAILED + pickle.dumps(str(error)))
            return False
        self._conn.send_bytes(LOADED + pickle.dumps(self._backend.info()))
        log.info("engine process %d loaded %s", os.getpid(), params["model_path"])
        return True

    def generate(self, tokens: list[int], job: Job, received: float) -> None:
        started = time.perf_counter()
        self._shared.beat()  # the job is taken
        if not self._decoded and self._extra_buffers and os.environ.get(CRASH_HOOK_ENV) == "1":
            log.warning("test hook %s: crashing at the first decode", CRASH_HOOK_ENV)
            os.kill(os.getpid(), signal.SIGSEGV)
        self._decoded = True
        result = GenerationResult(text="", stop_reason="")
        driver = ChildDriver(self._conn, job.request(self._send_text), result, self._cancel)
        try:
            self._backend.run(
                tokens,
                result,
                driver,
                self._cancel,
                max_tokens=job.max_tokens,
                temperature=job.temperature,
                seed=job.seed,
                cold_tokens=list(job.cold_tokens) or None,
                first_mark=job.first_mark,
            )
        except BackendError as failure:
            driver.fail(str(failure))
        driver.finish()
        self._conn.send_bytes(result_message(result, ChildTimes(received, started, time.perf_counter())))

    def _send_text(self, text: str) -> None:
        self._conn.send_bytes(TEXT + text.encode("utf-8"))

    def serve(self) -> int:
        while True:
            try:
                message = self._conn.recv_bytes()
                received = time.perf_counter()
            except (EOFError, OSError):
                return 0  # the parent went away
            kind, body = message[:1], message[1:]
            if kind == GENERATE:
                self.generate(*read_job(body), received)
            elif kind == PING:
                self._conn.send_bytes(PING)
            elif kind == LOAD:
                if not self.load(pickle.loads(body)):
                    return 1
            elif kind == QUIT:
                return 0
            else:
                log.error("unknown message %r from the language server", kind)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ghost_ls.engine.child_main")
    parser.add_argument("--conn-fd", type=int, required=True)
    parser.add_argument("--cancel-fd", type=int, required=True)
    parser.add_argument("--log-level", type=int, default=logging.WARNING)
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))  # the parent adds the time
    logging.basicConfig(level=args.log_level, handlers=[handler])
    conn = Connection(args.conn_fd)
    shared = SharedFlag(args.cancel_fd)
    engine = Engine(conn, shared)
    try:
        with Heartbeat(shared):
            return engine.serve()
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return 0  # the parent went away mid-generation
    finally:
        engine_backend = engine._backend
        if engine_backend is not None:
            engine_backend.close()


if __name__ == "__main__":
    sys.exit(main())
