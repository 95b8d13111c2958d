"""The engine's child process: llama.cpp and its KV cache, driven by the language server.

``python -m ghost_ls.engine.child --conn-fd N --cancel-fd M`` is started by
``engine/process.py`` (never by hand).  fd N is one end of a socketpair, wrapped in a
``multiprocessing.connection.Connection``; fd M is a one-byte shared memory file whose
byte is the cancel flag, read between 32-token prompt chunks and before each token.

Messages are byte strings whose first byte says what they are (listed below).  The
child loads the model once, then runs one generation at a time, in step with the
parent: it sends each decoded piece, evaluates its token while the parent runs
``StreamDriver.feed`` and ``should_continue`` on it, then reads the verdict; a piece the
parent did not keep has its token removed from the KV cache again, so the cache holds
exactly what the in-process backend's would, and the round trip costs no time.

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
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ghost_ls.engine.backend import GenerationResult
from ghost_ls.errors import GhostError

log = logging.getLogger("ghost_ls.engine.child")

CRASH_HOOK_ENV = "GHOST_LS_TEST_CRASH_AT_FIRST_DECODE"

# Message kinds: the first byte of every message.
LOAD = b"L"  # parent -> child: pickled load parameters
LOADED = b"K"  # child -> parent: pickled BackendInfo fields
LOAD_FAILED = b"F"  # child -> parent: pickled message; the child then exits
GENERATE = b"G"  # parent -> child: pickled (tokens, max_tokens, temperature, seed, ending_chars)
SAMPLING = b"S"  # child -> parent: the prompt is read; pickled prompt statistics
PIECE = b"P"  # child -> parent: compute seconds so far (COMPUTE), then one token's UTF-8
# text; answered with a verdict byte, read once the token is evaluated
DONE = b"D"  # child -> parent: pickled result fields; ends every generation
PING = b"N"  # parent -> child, answered with PING: a no-op round trip
QUIT = b"Q"  # parent -> child: exit

COMPUTE = struct.Struct("<d")

ENDING_CHARS = "\n\r)]}"
"""Characters of the pieces where stop rules fire (line end, block end, stray closer)."""

# Verdict bits (the one byte answering PIECE).
KEEP = 1  # the piece is kept (feed returned True): evaluate the token
GO_ON = 2  # produce another token


class SharedFlag:
    """One byte in memory shared by both processes: the cancel flag."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._map = mmap.mmap(fd, 1)

    def is_set(self) -> bool:
        return self._map[0] != 0

    def set(self) -> None:
        self._map[0] = 1

    def clear(self) -> None:
        self._map[0] = 0

    def close(self) -> None:
        self._map.close()
        os.close(self.fd)


class ProxyDriver:
    """The child's stand-in for the parent's ``StreamDriver`` (a ``SpeculativeDriver``).

    Nothing here waits for the parent except ``piece_kept``, which reads the verdict on
    a piece after its token was evaluated; by then it has usually arrived, so the
    round trip hides behind the evaluation instead of adding to it.
    """

    def __init__(
        self, conn: Connection, cancel: SharedFlag, result: GenerationResult, ending_chars: str = ""
    ) -> None:
        self._conn = conn
        self._ending = frozenset(ENDING_CHARS + ending_chars)
        self._cancel = cancel
        self._result = result
        self._go_on = True
        self._started = time.perf_counter()
        self.waited = 0.0
        """Seconds spent waiting for the parent's verdicts (not computing)."""
        self.ended = ""
        """Why sampling ended here: ``eos``, ``stopped`` (the parent said so), ``cancelled``."""

    def compute_seconds(self) -> float:
        """Time since the request arrived, waits for the parent excluded."""
        return time.perf_counter() - self._started - self.waited

    def start_sampling(self) -> None:
        result = self._result
        stats = (result.prompt_tokens, result.reused_tokens, result.evaluated_tokens, result.prompt_seconds)
        self._conn.send_bytes(SAMPLING + pickle.dumps(stats))

    def should_continue(self) -> bool:
        if not self._go_on:
            self.ended = self.ended or "stopped"
            return False
        if self._cancel.is_set():
            self.ended = "cancelled"
            return False
        return True

    def may_end(self, piece: str) -> bool:
        return not self._ending.isdisjoint(piece)

    def send_piece(self, piece: str) -> None:
        self._conn.send_bytes(PIECE + COMPUTE.pack(self.compute_seconds()) + piece.encode("utf-8"))

    def piece_kept(self) -> bool:
        started = time.perf_counter()
        verdict = self._conn.recv_bytes()[0]
        self.waited += time.perf_counter() - started
        self._go_on = bool(verdict & GO_ON)
        if not verdict & KEEP:
            self.ended = "stopped"
            return False
        return True

    def feed(self, piece: str, tokens: int = 1) -> bool:
        """The one-step form (``Driver``): send and wait before the token is evaluated."""
        self.send_piece(piece)
        return self.piece_kept()

    def end_of_stream(self) -> None:
        self.ended = "eos"


class Engine:
    """Serves one parent: load, then generations, until QUIT or the connection closes."""

    def __init__(self, conn: Connection, cancel: SharedFlag) -> None:
        self._conn = conn
        self._cancel = cancel
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
            )
        except GhostError as error:
            self._conn.send_bytes(LOAD_FAILED + pickle.dumps(str(error)))
            return False
        info = dataclasses.asdict(self._backend.info())
        self._conn.send_bytes(LOADED + pickle.dumps(info))
        log.info("engine process %d loaded %s", os.getpid(), params["model_path"])
        return True

    def generate(
        self, tokens: list[int], max_tokens: int, temperature: float, seed: int, ending_chars: str
    ) -> None:
        from ghost_ls.errors import BackendError

        if not self._decoded and self._extra_buffers and os.environ.get(CRASH_HOOK_ENV) == "1":
            log.warning("test hook %s: crashing at the first decode", CRASH_HOOK_ENV)
            os.kill(os.getpid(), signal.SIGSEGV)
        self._decoded = True
        result = GenerationResult(text="", stop_reason="")
        driver = ProxyDriver(self._conn, self._cancel, result, ending_chars)
        error = ""
        try:
            self._backend.run(
                tokens,
                result,
                driver,
                self._cancel,
                max_tokens=max_tokens,
                temperature=temperature,
                seed=seed,
                speculative=driver,
            )
        except BackendError as failure:
            error = str(failure)
        fields = {
            "prompt_tokens": result.prompt_tokens,
            "reused_tokens": result.reused_tokens,
            "evaluated_tokens": result.evaluated_tokens,
            "prompt_seconds": result.prompt_seconds,
            "stop_reason": result.stop_reason,
            "ended": driver.ended,
            "error": error,
            "compute_seconds": driver.compute_seconds(),
        }
        self._conn.send_bytes(DONE + pickle.dumps(fields))

    def serve(self) -> int:
        while True:
            try:
                message = self._conn.recv_bytes()
            except (EOFError, OSError):
                return 0  # the parent went away
            kind, body = message[:1], message[1:]
            if kind == GENERATE:
                self.generate(*pickle.loads(body))
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
    parser = argparse.ArgumentParser(prog="python -m ghost_ls.engine.child")
    parser.add_argument("--conn-fd", type=int, required=True)
    parser.add_argument("--cancel-fd", type=int, required=True)
    parser.add_argument("--log-level", type=int, default=logging.WARNING)
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))  # the parent adds the time
    logging.basicConfig(level=args.log_level, handlers=[handler])
    conn = Connection(args.conn_fd)
    engine = Engine(conn, SharedFlag(args.cancel_fd))
    try:
        return engine.serve()
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return 0  # the parent went away mid-generation
    finally:
        engine_backend = engine._backend
        if engine_backend is not None:
            engine_backend.close()


if __name__ == "__main__":
    sys.exit(main())
