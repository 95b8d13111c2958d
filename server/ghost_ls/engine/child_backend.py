"""llama.cpp in a child process, so that a native crash never takes the language server down.

:class:`ProcessBackend` is the language server's backend for local models.  The child
(``engine/child_main.py``) owns the full model and its KV cache; this process loads the
same GGUF's vocabulary only (``vocab_only``, after the child loaded successfully, so a
file that crashes llama.cpp crashes the child first) to count tokens, render the
prompt's token ids and read the FIM markers.  One generation:

1. the cancel flag (one byte of shared memory) is cleared, the prompt's token ids are
   sent (``G``);
2. the child reuses the cached prefix, evaluates the rest in chunks (``EVAL_CHUNK``),
   llama.cpp looking at the flag within each, and says so (``S``) when it is read;
3. it samples with the same :class:`~ghost_ls.engine.streaming.StreamDriver` as the
   in-process backend, running the request's stop rule (pickled with the request)
   between tokens, and sends the text as it grows (``T``) when ``request.on_text``
   wants it; nothing in the loop waits for this process;
4. its result (``D``) answers the request.  Only waking the child for ``G`` and this
   process for ``D`` are on the request's path (``bench/engine_boundary.py`` measures it).

While waiting, this process copies ``request.cancel`` into the shared flag; a prompt
evaluation that has not stopped ``KILL_AFTER_SECONDS`` after a cancel gets the child
killed (the last resort) and a fresh one started.  It also watches the child's counts
(``engine/child_control.py``): no sign of life for ``ALIVE_STALL_SECONDS`` (stopped),
or alive without progress (a prompt chunk, a token) for ``PROGRESS_STALL_SECONDS``
(``FIRST_DECODE_STALL_SECONDS`` before its first decode is done; wedged), the child is
hung: it is killed (SIGKILL ends a stopped process too) and handled as a
crash.  When the child dies (EOF on the
connection), the request in flight ends with ``stop_reason`` ``error`` naming the
signal, ``on_status`` hears ``error`` then ``ready`` around a restart in the
background.  A child that died of a native fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
SIGABRT) at its first decode with extra buffer types on is restarted with them off
(llama.cpp's AMX crash, see ``engine/cpu_features.py``); any other death (SIGKILL from
the OOM killer or a user, SIGTERM, an exit status, a kill of ours) restarts it as it was.
After ``CRASH_LIMIT`` crashes within ``CRASH_WINDOW_SECONDS`` it stays down and says so.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import pickle
import signal
import threading
import time
from pathlib import Path

from ghost_ls.config import Settings
from ghost_ls.engine import child_control
from ghost_ls.engine import child_main as protocol
from ghost_ls.engine.backend import (
    BackendInfo,
    FimTokens,
    GenerationRequest,
    GenerationResult,
    LlamaEngineInfo,
    StatusCallback,
)
from ghost_ls.engine.child_control import (
    EXIT_WAIT_SECONDS,
    POLL_SECONDS,
    ChildGone,
    ChildHung,
    ChildStuck,
    EngineProcess,
    Watch,
    buffers_fallback,
    describe_exit,
)
from ghost_ls.engine.child_main import BoundaryTimes
from ghost_ls.engine.cpu_features import ExtraBuffersChoice, choose_for_this_cpu
from ghost_ls.errors import BackendError, ModelError

log = logging.getLogger(__name__)

CRASH_LIMIT = 3
CRASH_WINDOW_SECONDS = 300.0
def failed(message: str) -> GenerationResult:
    """The result of a generation that could not run: ``error``, saying why."""
    return GenerationResult(text="", stop_reason="error", error=message)


class ProcessBackend:
    """A local GGUF model served by a child process; restarts it when it crashes."""

    def __init__(
        self,
        model_path: Path,
        settings: Settings,
        *,
        on_status: StatusCallback | None = None,
        choice: ExtraBuffersChoice | None = None,
    ) -> None:
        self._path = model_path
        self._settings = settings
        self._on_status = on_status
        self._lock = threading.Lock()
        self._vocab_lock = threading.Lock()
        self._restarts = 0
        self._crash_times: collections.deque[float] = collections.deque()
        self._down = ""
        """Why the engine will not serve any more (gave up restarting), or empty."""
        self._closed = False
        self._restarting: threading.Thread | None = None
        self._info: BackendInfo | None = None
        self.last_tokenize_seconds = 0.0
        """The last generate's time to tokenize the prompt here (for ``bench/``)."""
        self.last_child_seconds = 0.0
        """The last generate's time in the child, from reading the job to sending the result."""
        self.last_boundary: BoundaryTimes | None = None
        """Where the last generate's time outside tokenizing and llama.cpp went (for ``bench/``)."""
        self._child: EngineProcess | None = self._start(choice or choose_for_this_cpu(settings.extra_buffers))
        from ghost_ls.engine.llama import LlamaBackend

        try:
            self._vocab = LlamaBackend(model_path, vocab_only=True)
        except Exception:
            self._child.stop()
            raise

    # -- the child's life cycle ----------------------------------------------------------

    def _start(self, choice: ExtraBuffersChoice) -> EngineProcess:
        """Start a child and load the model in it; ModelError when that fails."""
        child = EngineProcess(choice, on_exit=self._exited)
        params = {
            "model_path": str(self._path),
            "gpu_layers": self._settings.gpu_layers,
            "context_size": self._settings.context_size,
            "threads": self._settings.threads,
            "extra_buffers": choice.enabled,
            "extra_buffers_reason": choice.reason,
            "flash_attention": self._settings.flash_attention,
        }
        try:
            child.send(protocol.LOAD + pickle.dumps(params))
            reply = child.receive(watch=Watch(child.flag, None))
        except ChildHung as hung:
            child.kill()
            child.close()
            raise ModelError(
                f"the llama.cpp engine stopped responding while loading {self._path} ({hung}); "
                f"it was killed"
            ) from None
        except ChildGone:
            returncode = child.wait_exit()
            child.close()
            raise ModelError(self._load_crash_message(returncode, child.stderr.native_error())) from None
        kind, body = reply[:1], reply[1:]
        if kind != protocol.LOADED:
            child.stop()
            message = pickle.loads(body) if kind == protocol.LOAD_FAILED else f"unexpected reply {kind!r}"
            raise ModelError(str(message))
        child.serving = True
        self._info = pickle.loads(body)
        log.info("engine process %d serves %s (extra buffers %s)", child.pid, self._path, choice.enabled)
        return child

    def _load_crash_message(self, returncode: int | None, native: str) -> str:
        what = describe_exit(returncode)
        detail = f": {native}" if native else ""
        if returncode == -signal.SIGKILL:
            advice = (
                "SIGKILL while loading usually means the system ran out of memory: lower "
                "contextSize or choose a smaller model"
            )
        else:
            advice = (
                "the file may be corrupt, or its metadata wrong for this llama.cpp build: check it "
                f"with `ghost-ls doctor --model {self._path}`, or delete it and run "
                "`ghost-ls models pull` again"
            )
        return f"the llama.cpp engine crashed ({what}) while loading {self._path}{detail}; {advice}"

    def _status(self, state: str, message: str) -> None:
        log.log(logging.ERROR if state == "error" else logging.INFO, "engine: %s", message)
        if self._on_status is not None:
            self._on_status(state, message)

    def _exited(self, child: EngineProcess) -> None:
        """The child's stderr closed: it exited.  A crash unless it was stopped on purpose."""
        if child.serving:
            self._crashed(child)

    def _crashed(self, child: EngineProcess) -> str:
        """Handle the death of ``child`` once; the message for the request in flight.

        Called by the generation that lost its connection and by the stderr reader
        that saw the stream end, whichever comes first; the other waits for the message.
        """
        with self._lock:
            first = not child.crash_claimed
            child.crash_claimed = True
        if not first:
            child.crash_handled.wait(EXIT_WAIT_SECONDS + 5.0)
            return child.crash_message or "the llama.cpp engine crashed"
        try:
            return self._handle_crash(child)
        finally:
            child.crash_handled.set()

    def _handle_crash(self, child: EngineProcess) -> str:
        child.serving = False
        returncode = child.wait_exit()
        child.close()
        native = child.stderr.native_error()
        if child.killed_for:
            message = f"the llama.cpp engine stopped responding ({child.killed_for}) and was killed"
        else:
            message = f"the llama.cpp engine crashed ({describe_exit(returncode)})"
        if native and not child.killed_for:
            message += f": {native}"
        child.crash_message = message
        now = time.monotonic()
        with self._lock:
            if self._child is child:
                self._child = None
            self._crash_times.append(now)
            while self._crash_times and now - self._crash_times[0] > CRASH_WINDOW_SECONDS:
                self._crash_times.popleft()
            crashes = len(self._crash_times)
            closed = self._closed
        if closed:
            return message
        if crashes >= CRASH_LIMIT:
            self._down = (
                f"engine crashed {crashes} times in {CRASH_WINDOW_SECONDS / 60:.0f} minutes "
                f"(last: {describe_exit(returncode)}); not restarting it. Check `ghost-ls doctor`; "
                f"a settings change or an editor restart tries again"
            )
            self._status("error", self._down)
            return message
        fallback = buffers_fallback(child, returncode)
        if fallback is not None:
            note = "; restarting with extra buffer types off (it died at its first decode with them on)"
        else:
            note = "; restarting"
        self._status("error", message + note)
        self._restart_in_background(fallback or child.choice, after_crash=True)
        return message

    def _restart_in_background(self, choice: ExtraBuffersChoice, *, after_crash: bool) -> None:
        def restart() -> None:
            try:
                child = self._start(choice)
            except ModelError as error:
                self._down = f"could not restart the engine: {error}"
                self._status("error", self._down)
                return
            with self._lock:
                if self._closed:
                    child.stop()
                    return
                self._child = child
                if after_crash:
                    self._restarts += 1
            buffers = "on" if choice.enabled else "off"
            self._status(
                "ready",
                f"engine restarted (process {child.pid}); extra buffer types {buffers}: {choice.reason}",
            )

        thread = threading.Thread(target=restart, name="ghost-engine-restart", daemon=True)
        self._restarting = thread
        thread.start()

    def _serving_child(self, cancel: threading.Event) -> EngineProcess | None:
        """The child to use, once a restart in progress is done; None if none or cancelled."""
        thread = self._restarting
        while thread is not None and thread.is_alive():
            if cancel.is_set():
                return None
            thread.join(POLL_SECONDS * 10)
        with self._lock:
            return None if self._closed else self._child

    # -- Backend -------------------------------------------------------------------------

    def info(self) -> BackendInfo:
        assert self._info is not None
        child = self._child
        choice = child.choice if child is not None else None
        engine = self._info.engine or LlamaEngineInfo()
        return dataclasses.replace(self._info, engine=dataclasses.replace(
            engine,
            process_id=child.pid if child is not None else 0,
            restarts=self._restarts,
            extra_buffers=choice.enabled if choice else engine.extra_buffers,
            extra_buffers_reason=choice.reason if choice else engine.extra_buffers_reason,
        ))

    def count_tokens(self, text: str) -> int:
        with self._vocab_lock:  # the editor's thread counts while close() may run
            if self._closed:
                raise BackendError("the model is closed")
            return self._vocab.count_tokens(text)

    def fim_tokens(self) -> FimTokens | None:
        with self._vocab_lock:
            return None if self._closed else self._vocab.fim_tokens()

    def ping(self) -> float:
        """Seconds for one no-op round trip to the child (the benchmark's boundary cost)."""
        child = self._child
        if child is None:
            raise ModelError("the engine process is not running")
        started = time.perf_counter()
        child.send(protocol.PING)
        child.receive()
        return time.perf_counter() - started

    def generate(self, request: GenerationRequest) -> GenerationResult:
        started = time.perf_counter()
        self.last_child_seconds = 0.0
        self.last_boundary = None
        with self._vocab_lock:
            if self._closed:
                return failed("the model is closed")
            tokens = self._vocab.prompt_tokens(request.prompt.text)
            cold = request.cold_prompt
            cold_tokens = self._vocab.prompt_tokens(cold.text) if cold is not None else []
        self.last_tokenize_seconds = time.perf_counter() - started
        try:
            packing = time.perf_counter()
            job = protocol.job_message(tokens, protocol.Job.of(request, cold_tokens))
            packed = time.perf_counter()
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            return failed(f"the stop rule cannot be sent to the engine process ({error}): use a "
                          f"module-level function or class (engine/backend.py StopRule)")
        child = self._serving_child(request.cancel)
        if child is None:
            if request.cancel.is_set():
                return GenerationResult(text="", stop_reason="cancelled")
            return failed(self._down or "the llama.cpp engine is not running")
        try:
            return self._exchange(child, job, request, packed - packing)
        except ChildGone:
            return failed(self._crashed(child))
        except ChildHung as hung:
            log.error("engine process %d is hung (%s); killing it", child.pid, hung)
            child.kill_hung(str(hung))
            return failed(self._crashed(child))
        except ChildStuck:
            log.warning(
                "engine process %d did not stop within %.0f s of a cancel; killing it",
                child.pid,
                child_control.KILL_AFTER_SECONDS,
            )
            with self._lock:
                if self._child is child:
                    self._child = None
            child.kill()
            child.close()
            self._status("loading", "restarting the engine: a cancelled prompt evaluation did not stop")
            self._restart_in_background(child.choice, after_crash=False)
            return GenerationResult(text="", stop_reason="cancelled")

    def _exchange(
        self, child: EngineProcess, job: bytes, request: GenerationRequest, packing_seconds: float
    ) -> GenerationResult:
        """One generation: send the job, pass the text on as it grows, return the result."""
        child.flag.clear()
        watch = Watch(child.flag, child_control.PROGRESS_STALL_SECONDS if child.decoded
                      else child_control.FIRST_DECODE_STALL_SECONDS)
        sending = time.perf_counter()
        child.send(job)
        while True:
            message = child.receive(request.cancel, watch)
            kind = message[:1]
            if kind == protocol.TEXT:
                if request.on_text is not None:
                    request.on_text(message[1:].decode("utf-8", "replace"))
            elif kind == protocol.SAMPLING:
                child.decoded = True
                watch.progress_stall = child_control.PROGRESS_STALL_SECONDS
            elif kind == protocol.DONE:
                arrived = time.perf_counter()
                result, times = protocol.read_result(message[1:])
                self.last_child_seconds = times.compute_seconds
                self.last_boundary = BoundaryTimes.of(
                    packing_seconds, sending, times, arrived, time.perf_counter()
                )
                if result.evaluated_tokens:
                    child.decoded = True
                return result
            else:
                raise ChildGone(f"unexpected message {kind!r}")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            child, self._child = self._child, None
        if child is not None:
            child.stop()
        thread = self._restarting
        if thread is not None:
            thread.join(30.0)
        with self._vocab_lock:
            self._vocab.close()
