"""ProcessBackend with the real 0.5B model: the same answers and KV reuse as in-process,
crash recovery (a real signal to the real engine process), the AMX crash fallback (and
a SIGKILL that is not it), the give-up after repeated crashes, the kill of a child that
will not stop or has stopped, and a slow prompt read that is not taken for a hang."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ghost_ls.config import Settings
from ghost_ls.engine import child_control
from ghost_ls.engine.backend import GenerationRequest, GenerationResult, LlamaEngineInfo, Prompt
from ghost_ls.engine.child_backend import ProcessBackend
from ghost_ls.engine.llama import EVAL_CHUNK, LlamaBackend
from ghost_ls.errors import BackendError
from ghost_ls.models.store import resolve_model
from ghost_ls.postprocess.stops import stop_at_newline

pytestmark = pytest.mark.model

MODEL = "qwen2.5-coder-0.5b-instruct"
PROMPTS = [
    "def add(a, b):\n    return",
    "def add(a, b):\n    return a",
    "import math\n\ndef area(r):\n    return",
    "import math\n\ndef area(r):\n    return math",
]

# One thread: on a loaded 2-core machine llama.cpp's OpenMP threads wait on each other.
# auto: this CPU's safe choice (on a CPU with AMX, "on" really crashes at the first decode).
SETTINGS = Settings(context_size=1024, threads=1, extra_buffers="auto")


@pytest.fixture(scope="module")
def model_path() -> Path:
    return resolve_model(MODEL)[0]


def llama_info(backend: ProcessBackend) -> LlamaEngineInfo:
    """The llama.cpp engine's part of ``backend.info()`` (this backend always has one)."""
    engine = backend.info().engine
    assert engine is not None
    return engine


class Statuses:
    """Collects on_status calls; wait() blocks until one matches."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self._changed = threading.Condition()

    def __call__(self, state: str, message: str) -> None:
        with self._changed:
            self.seen.append((state, message))
            self._changed.notify_all()

    def wait(self, state: str, start: int = 0, timeout: float = 60) -> str:
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(s == state for s, _ in self.seen[start:]), timeout=timeout
            )
            assert found, f"no {state!r} status in {self.seen}"
            return next(m for s, m in self.seen[start:] if s == state)


@pytest.fixture
def statuses() -> Statuses:
    return Statuses()


@pytest.fixture
def backend(model_path: Path, statuses: Statuses) -> Iterator[ProcessBackend]:
    engine = ProcessBackend(model_path, SETTINGS, on_status=statuses)
    yield engine
    engine.close()


def generate(backend: ProcessBackend | LlamaBackend, text: str, max_tokens: int = 12) -> GenerationResult:
    return backend.generate(GenerationRequest(Prompt(text), max_tokens=max_tokens, stop=stop_at_newline))


def test_same_text_and_kv_reuse_as_in_process(backend: ProcessBackend, model_path: Path) -> None:
    local = LlamaBackend(model_path, context_size=SETTINGS.context_size, threads=SETTINGS.threads)
    try:
        for text in PROMPTS:
            started = time.perf_counter()
            child = generate(backend, text)
            wall = time.perf_counter() - started
            own = generate(local, text)
            # the boundary's parts (bench/engine_boundary.py) are spans of this call, stamped
            # on one clock in both processes
            boundary = backend.last_boundary
            assert boundary is not None
            parts = dataclasses.astuple(boundary)
            assert min(parts) >= 0 and boundary.total + backend.last_child_seconds < wall
            compared = ("text", "stop_reason", "prompt_tokens", "reused_tokens", "evaluated_tokens")
            assert {k: getattr(child, k) for k in compared} == {k: getattr(own, k) for k in compared}
            assert child.generated_tokens == own.generated_tokens
        assert child.reused_tokens > 5  # the last prompt extends the one before
        assert backend.count_tokens("def add(a, b):") == local.count_tokens("def add(a, b):")
    finally:
        local.close()
    info = backend.info()
    assert llama_info(backend).process_id not in (0, os.getpid())
    assert info.fim is not None and info.fim.prefix == "<|fim_prefix|>"


def test_sigsegv_during_a_generation_is_an_error_then_a_restart(
    backend: ProcessBackend, statuses: Statuses
) -> None:
    assert generate(backend, PROMPTS[0]).text.strip()
    old_pid, buffers = llama_info(backend).process_id, llama_info(backend).extra_buffers
    # a long generation: the child runs on without waiting for this process, so it must
    # still be generating when the signal comes
    request = GenerationRequest(
        Prompt("# the numbers from 1 to 500, one per line\n1\n2\n3\n4\n"),
        max_tokens=256,
        on_text=lambda text: os.kill(old_pid, signal.SIGSEGV),  # at the first piece
    )
    result = backend.generate(request)
    assert result.stop_reason == "error"
    assert result.error == "the llama.cpp engine crashed (SIGSEGV)"
    error = statuses.wait("error")
    assert error == "the llama.cpp engine crashed (SIGSEGV); restarting"  # had decoded: no fallback
    statuses.wait("ready")
    assert generate(backend, PROMPTS[2]).text.strip()
    info = llama_info(backend)
    assert info.restarts == 1 and info.process_id not in (0, old_pid)
    assert info.extra_buffers == buffers  # kept: the crash was not at the first decode


def test_an_idle_engine_that_dies_is_restarted_without_a_request(
    backend: ProcessBackend, statuses: Statuses
) -> None:
    assert generate(backend, PROMPTS[0]).text.strip()
    old_pid = llama_info(backend).process_id
    os.kill(old_pid, signal.SIGSEGV)
    assert "crashed (SIGSEGV)" in statuses.wait("error")
    assert "engine restarted" in statuses.wait("ready")
    assert llama_info(backend).process_id not in (0, old_pid)
    assert generate(backend, PROMPTS[1]).text.strip()


def test_crash_at_first_decode_restarts_with_extra_buffers_off(
    model_path: Path, statuses: Statuses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GHOST_LS_TEST_CRASH_AT_FIRST_DECODE", "1")  # see engine/child_main.py
    on = dataclasses.replace(SETTINGS, extra_buffers="on")  # (on an AMX CPU: the real crash)
    engine = ProcessBackend(model_path, on, on_status=statuses)
    try:
        assert llama_info(engine).extra_buffers
        result = generate(engine, PROMPTS[0])
        assert result.stop_reason == "error" and "SIGSEGV" in result.error
        error = statuses.wait("error")
        assert "restarting with extra buffer types off" in error and "first decode" in error
        ready = statuses.wait("ready")
        assert "extra buffer types off" in ready
        assert generate(engine, PROMPTS[0]).text.strip()  # the hook only fires with them on
        info = llama_info(engine)
        assert not info.extra_buffers and "crashed at its first decode" in info.extra_buffers_reason
        assert info.restarts == 1
    finally:
        engine.close()


def test_gives_up_after_three_crashes(backend: ProcessBackend, statuses: Statuses) -> None:
    for crash in range(3):
        start = len(statuses.seen)
        os.kill(llama_info(backend).process_id, signal.SIGKILL)
        assert "SIGKILL" in statuses.wait("error", start)
        if crash < 2:
            statuses.wait("ready", start)
    final = statuses.seen[-1]
    assert final[0] == "error"
    assert "engine crashed 3 times" in final[1] and "ghost-ls doctor" in final[1]
    after = generate(backend, PROMPTS[0])
    assert after.stop_reason == "error" and "engine crashed 3 times" in after.error
    assert llama_info(backend).process_id == 0


def test_cancel_stops_a_prompt_evaluation_and_the_next_request_reuses_it(
    backend: ProcessBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(child_control, "KILL_AFTER_SECONDS", 120.0)  # this checks the flag, not the kill
    # the cancel comes halfway through the third chunk at this machine's speed now: two
    # chunks are read and kept, the one it stops is dropped
    pace = generate(backend, "".join(f"pace_{i} = {i}\n" for i in range(60)), max_tokens=1)
    chunk_seconds = EVAL_CHUNK * pace.prompt_seconds / pace.evaluated_tokens
    long_prompt = "".join(f"value_{i} = {i} * {i}\n" for i in range(60))  # ~900 tokens: fits, no cut
    request = GenerationRequest(Prompt(long_prompt), max_tokens=8)
    timer = threading.Timer(2.5 * chunk_seconds, request.cancel.set)
    timer.start()
    result = backend.generate(request)
    timer.join()
    assert result.stop_reason == "cancelled"
    assert 0 < result.evaluated_tokens < result.prompt_tokens
    assert result.evaluated_tokens % EVAL_CHUNK == 0  # whole chunks only
    # what was evaluated before the cancel stays cached: a prompt inside it is all reused
    short = "".join(long_prompt.splitlines(keepends=True)[:2])
    again = generate(backend, short, max_tokens=4)
    assert again.stop_reason != "error"
    assert 0 < again.prompt_tokens < result.evaluated_tokens
    assert again.reused_tokens == again.prompt_tokens - 1


def test_a_child_that_does_not_stop_is_killed_and_replaced(
    backend: ProcessBackend, statuses: Statuses
) -> None:
    assert generate(backend, PROMPTS[0]).text.strip()
    stuck = llama_info(backend).process_id
    os.kill(stuck, signal.SIGSTOP)  # stands in for a prompt evaluation that never returns
    request = GenerationRequest(Prompt(PROMPTS[2]), max_tokens=8)
    request.cancel.set()
    result = backend.generate(request)
    assert result.stop_reason == "cancelled"
    assert "did not stop" in statuses.wait("loading")
    statuses.wait("ready")
    info = llama_info(backend)
    assert info.process_id not in (0, stuck) and info.restarts == 0  # not counted as a crash
    assert generate(backend, PROMPTS[0]).text.strip()
    with pytest.raises(ProcessLookupError):
        os.kill(stuck, 0)


def test_settings_reach_the_child(model_path: Path) -> None:
    engine = ProcessBackend(
        model_path, dataclasses.replace(Settings(), context_size=512, threads=1, extra_buffers="off")
    )
    try:
        info, llama = engine.info(), llama_info(engine)
        assert (info.context_size, llama.threads, llama.extra_buffers) == (512, 1, False)
        assert llama.extra_buffers_reason == "extraBuffers = off (setting)"
    finally:
        engine.close()
    # the editor's thread may still count tokens with a closed model: an error, not a crash
    with pytest.raises(BackendError):
        engine.count_tokens("def add(a, b):")
    assert generate(engine, PROMPTS[0]).stop_reason == "error"


def test_a_stopped_child_is_killed_and_the_request_answered(
    backend: ProcessBackend, statuses: Statuses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(child_control, "ALIVE_STALL_SECONDS", 1.0)
    assert generate(backend, PROMPTS[0]).text.strip()
    stopped = llama_info(backend).process_id
    os.kill(stopped, signal.SIGSTOP)  # no cancel: only its sign of life can tell
    results: list[GenerationResult] = []
    waiting = threading.Thread(target=lambda: results.append(generate(backend, PROMPTS[2])))
    waiting.start()
    waiting.join(30)
    answered = bool(results)
    if not answered:  # leave nothing stopped behind: let the request end, then fail
        with contextlib.suppress(ProcessLookupError):
            os.kill(stopped, signal.SIGKILL)
        waiting.join(30)
    assert answered, "no answer 30 s into a stop"
    result = results[0]
    assert result.stop_reason == "error"
    assert result.error == "the llama.cpp engine stopped responding (no sign of life for 1 s) and was killed"
    assert statuses.wait("error") == result.error + "; restarting"
    assert "engine restarted" in statuses.wait("ready")
    with pytest.raises(ProcessLookupError):
        os.kill(stopped, 0)
    assert generate(backend, PROMPTS[0]).text.strip()
    info = llama_info(backend)
    assert info.process_id not in (0, stopped) and info.restarts == 1


LONG_PROMPT = "".join(f"value_{i} = compute({i}, {i} * {i})\n" for i in range(70))
"""About 1,000 tokens: on one thread the 0.5B reads it for seconds."""


def test_a_slow_prompt_read_is_not_taken_for_a_hang(
    backend: ProcessBackend, statuses: Statuses, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert generate(backend, PROMPTS[0]).text.strip()
    # a stall time far below the read (seconds on one thread): only the child's signs of
    # life while llama.cpp works keep it from being taken for a stopped one
    monkeypatch.setattr(child_control, "ALIVE_STALL_SECONDS", 1.0)
    pid = llama_info(backend).process_id
    result = generate(backend, LONG_PROMPT, max_tokens=4)
    assert result.stop_reason != "error", result.error
    assert result.evaluated_tokens > 600
    assert llama_info(backend).process_id == pid and statuses.seen == []


def test_a_sigkill_during_the_first_prompt_read_keeps_extra_buffers(
    model_path: Path, statuses: Statuses
) -> None:
    on = dataclasses.replace(SETTINGS, extra_buffers="on")  # what the AMX fallback turns off
    engine = ProcessBackend(model_path, on, on_status=statuses)
    try:
        child = engine._child
        assert child is not None and child.choice.enabled and not child.decoded
        results: list[GenerationResult] = []
        reading = threading.Thread(target=lambda: results.append(generate(engine, LONG_PROMPT)))
        reading.start()
        taken = child.flag.progress()
        deadline = time.monotonic() + 60
        while child.flag.progress() < taken + 3 and time.monotonic() < deadline:
            time.sleep(0.005)  # the job taken and two prompt chunks read: mid-read
        assert not child.decoded
        os.kill(child.pid, signal.SIGKILL)
        reading.join(60)
        assert results and results[0].error == "the llama.cpp engine crashed (SIGKILL)"
        assert statuses.wait("error") == "the llama.cpp engine crashed (SIGKILL); restarting"
        assert "extra buffer types on" in statuses.wait("ready")
        info = llama_info(engine)
        assert info.extra_buffers and info.extra_buffers_reason == "extraBuffers = on (setting)"
        assert info.restarts == 1
    finally:
        engine.close()
