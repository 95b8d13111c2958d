"""The parts of the engine's process boundary that need no model: exit descriptions, the
shared cancel flag and heartbeat, one generation (stop rule in the child), the stderr,
the load errors, which deaths take the extra-buffers fallback."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Pipe
from pathlib import Path

import pytest

from ghost_ls.config import Settings
from ghost_ls.engine import child_control
from ghost_ls.engine import child_main as protocol
from ghost_ls.engine.backend import GenerationRequest, GenerationResult, Prompt
from ghost_ls.engine.child_backend import ProcessBackend
from ghost_ls.engine.child_control import (
    ChildHung,
    EngineProcess,
    StderrTail,
    Watch,
    buffers_fallback,
    child_environment,
    create_shared_flag,
    describe_exit,
)
from ghost_ls.engine.child_main import Engine, SharedFlag
from ghost_ls.engine.cpu_features import ExtraBuffersChoice
from ghost_ls.engine.llama_loading import gguf_tensor_count, load_failure
from ghost_ls.engine.streaming import StreamDriver
from ghost_ls.errors import ModelError
from ghost_ls.postprocess.stops import make_block_stop, stop_at_newline


def test_exit_is_described_by_signal_name_or_status() -> None:
    assert describe_exit(-signal.SIGSEGV) == "SIGSEGV"
    assert describe_exit(-signal.SIGKILL) == "SIGKILL"
    assert describe_exit(3) == "exit status 3"
    assert describe_exit(None) == "no exit status"


def test_cancel_flag_is_shared_with_a_child_process() -> None:
    flag = create_shared_flag()
    try:
        script = "import mmap, sys\nm = mmap.mmap(int(sys.argv[1]), 1)\nprint(m[0]); m[0] = 7\n"
        flag.set()
        done = subprocess.run(
            [sys.executable, "-c", script, str(flag.fd)],
            pass_fds=(flag.fd,),
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        assert done.stdout.strip() == "1"  # the child saw the parent's set()
        assert flag.is_set()
        flag.clear()
        assert not flag.is_set()
    finally:
        flag.close()


class PipeChild:
    """The parent's view of a child (``EngineProcess``'s interface) over a real Pipe."""

    def __init__(self) -> None:
        self.conn, self.child_end = Pipe()
        self.flag = create_shared_flag()
        self.decoded = False

    def send(self, message: bytes) -> None:
        self.conn.send_bytes(message)

    def receive(self, cancel: threading.Event | None = None, watch: Watch | None = None) -> bytes:
        return EngineProcess.receive(self, cancel, watch)  # type: ignore[arg-type]  # the real copy of cancel


class ScriptedLlama:
    """Stands in for ``LlamaBackend.run`` in the child: ``pieces`` are the model's tokens,
    fed to the driver as its sampling loop feeds them (a token is evaluated once kept)."""

    def __init__(self, pieces: list[str], slow_after: int | None = None) -> None:
        self.pieces = pieces
        self.slow_after = slow_after
        """After this many tokens each one takes until the shared flag is set (at most 10 s)."""
        self.evaluated: list[str] = []

    def run(self, tokens: list[int], result: GenerationResult, driver: StreamDriver, cancel: SharedFlag,
            **_: object) -> None:
        result.prompt_tokens = result.evaluated_tokens = len(tokens)
        driver.start_sampling()
        for piece in self.pieces:
            if not driver.should_continue():
                return
            if not driver.feed(piece):
                return
            self.evaluated.append(piece)
            if self.slow_after is not None and len(self.evaluated) >= self.slow_after:
                deadline = time.monotonic() + 10
                while not cancel.is_set() and time.monotonic() < deadline:
                    time.sleep(0.001)  # a token being evaluated
        driver.end_of_stream()

    def close(self) -> None:
        pass


def _drive(
    pieces: list[str], request: GenerationRequest, slow_after: int | None = None,
    beats: list[int] | None = None,
) -> tuple[list[str], list[bytes], GenerationResult]:
    """The parent's real exchange against the child's real ``Engine.generate`` (with the
    scripted model) over a Pipe; returns the pieces the child evaluated, the kinds of
    the messages the child sent, and the parent's result."""
    child = PipeChild()
    model = ScriptedLlama(pieces, slow_after)
    sent: list[bytes] = []

    class Spy:
        def send_bytes(self, message: bytes) -> None:
            sent.append(message[:1])
            child.child_end.send_bytes(message)

    engine = Engine(Spy(), SharedFlag(os.dup(child.flag.fd)))  # type: ignore[arg-type]
    engine._backend = model

    def child_side() -> None:
        job = child.child_end.recv_bytes()
        assert job[:1] == protocol.GENERATE
        tokens, rules = protocol.read_job(job[1:])
        assert tokens == [1, 2, 3]
        engine.generate(tokens, rules, time.perf_counter())

    thread = threading.Thread(target=child_side)
    thread.start()
    parent = ProcessBackend.__new__(ProcessBackend)  # only the exchange, no process
    job = protocol.job_message([1, 2, 3], protocol.Job.of(request))
    exchanging = time.perf_counter()
    result = parent._exchange(child, job, request, 0.0)  # type: ignore[arg-type]
    exchange_seconds = time.perf_counter() - exchanging
    thread.join(10)
    assert child.decoded  # SAMPLING (or DONE) marked the decode
    # both sides stamp one clock: each part of the boundary is a time span inside the exchange
    boundary = parent.last_boundary
    assert boundary is not None
    parts = [boundary.to_child, boundary.unpack_job, boundary.to_parent, boundary.unpack_result]
    assert min(parts) >= 0 and boundary.total < exchange_seconds
    if beats is not None:
        beats.append(child.flag.progress())
    child.flag.close()
    return model.evaluated, sent, result


def test_the_stop_rule_runs_in_the_child_and_the_cut_token_is_never_evaluated() -> None:
    request = GenerationRequest(Prompt("x"), max_tokens=10, stop=stop_at_newline)
    evaluated, sent, result = _drive(["abc", "\n", "never"], request)
    assert evaluated == ["abc"]
    assert sent == [protocol.SAMPLING, protocol.DONE]  # nothing per token when not streaming
    assert result.text == "abc" and result.stop_reason == "stop-rule"
    assert result.prompt_tokens == 3 and result.generated_tokens == 2


def test_a_block_rule_travels_to_the_child_with_its_parameters() -> None:
    rule = make_block_stop(4, next_code="    return total")
    request = GenerationRequest(Prompt("x"), max_tokens=20, stop=rule)
    pieces = ["    total = 0\n", "    return total\n", "never"]
    evaluated, _, result = _drive(pieces, request)
    assert result.text == "    total = 0" and result.stop_reason == "stop-rule"
    assert evaluated == ["    total = 0\n"]


def test_streamed_text_reaches_on_text_as_it_grows() -> None:
    seen: list[str] = []
    request = GenerationRequest(Prompt("x"), max_tokens=10, stop=stop_at_newline, on_text=seen.append)
    _, sent, result = _drive(["a", "b", "\n"], request)
    assert seen == ["a", "ab"]
    assert sent == [protocol.SAMPLING, protocol.TEXT, protocol.TEXT, protocol.DONE]
    assert result.text == "ab"


def test_a_stop_string_ends_the_text_where_it_begins() -> None:
    request = GenerationRequest(Prompt("x"), max_tokens=10, stop_strings=("<END>",))
    evaluated, _, result = _drive(["ab", "<EN", "D>", "never"], request)
    assert evaluated == ["ab", "<EN"]
    assert result.text == "ab" and result.stop_reason == "eos"


def in_process(pieces: list[str], request: GenerationRequest) -> GenerationResult:
    """What the in-process driver makes of ``pieces`` (``ScriptedLlama`` without the child)."""
    result = GenerationResult(text="", stop_reason="")
    driver = StreamDriver(request, result)
    ScriptedLlama(pieces).run([1], result, driver, request.cancel)  # type: ignore[arg-type]
    return driver.finish()


def test_max_tokens_keeps_the_last_piece_then_stops() -> None:
    request = GenerationRequest(Prompt("x"), max_tokens=2)
    evaluated, _, result = _drive(["a", "b\nc", "d"], request)
    assert evaluated == ["a", "b\nc"]
    assert result.stop_reason == "max-tokens"
    assert result.text == in_process(["a", "b\nc", "d"], request).text  # the same cut as in-process


def test_end_of_stream_is_eos() -> None:
    evaluated, _, result = _drive(["a", "b"], GenerationRequest(Prompt("x"), max_tokens=10))
    assert evaluated == ["a", "b"]
    assert result.text == "ab" and result.stop_reason == "eos"


def test_a_cancel_reaches_the_child_through_the_shared_flag() -> None:
    request = GenerationRequest(Prompt("x"), max_tokens=100)

    def cancel_at_three(text: str) -> None:
        if len(text) == 3:
            request.cancel.set()  # the parent copies it to the shared flag while it waits

    request.on_text = cancel_at_three
    evaluated, _, result = _drive(["a"] * 100, request, slow_after=3)
    assert result.stop_reason == "cancelled"
    assert evaluated == ["a"] * 3


def test_a_stop_rule_that_cannot_be_pickled_is_a_clear_error() -> None:
    class Vocab:
        def prompt_tokens(self, text: str) -> list[int]:
            return [1]

    parent = ProcessBackend.__new__(ProcessBackend)
    parent._vocab_lock = threading.Lock()
    parent._closed = False
    parent._vocab = Vocab()  # type: ignore[assignment]
    request = GenerationRequest(Prompt("x"), max_tokens=4, stop=lambda text: None)
    result = parent.generate(request)
    assert result.stop_reason == "error"
    assert "stop rule cannot be sent to the engine process" in result.error


def test_stderr_tail_finds_the_failed_assertion() -> None:
    stream = io.BytesIO(
        b"llama_model_loader: loaded meta data\n"
        b"/src/llama-model.cpp:1328: GGML_ASSERT(hparams.n_layer_all > 0) failed\n"
        b"WARNING ghost_ls.engine.child_main: something\n"
    )
    tail = StderrTail(stream, 1234)
    tail.join(5)
    assert tail.native_error() == "GGML_ASSERT(hparams.n_layer_all > 0) failed"
    assert len(tail.lines) == 3


def test_child_environment_finds_this_ghost_ls_and_skips_gdb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GGML_NO_BACKTRACE", raising=False)
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = child_environment()
    import ghost_ls

    first = env["PYTHONPATH"].split(os.pathsep)[0]
    assert Path(first) / "ghost_ls" == Path(ghost_ls.__file__).resolve().parent
    assert env["PYTHONPATH"].endswith("/elsewhere")
    assert env["GGML_NO_BACKTRACE"] == "1"


def test_load_failure_names_the_cause_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "m.gguf"
    unknown = load_failure(
        path, ValueError("Failed"), ["llama_model_load: error loading model: unknown model architecture: 'x'"]
    )
    assert "unknown model architecture: 'x'" in unknown and "ghost-ls models list" in unknown
    shape = load_failure(
        path,
        ValueError("Failed"),
        ["error loading model: check_tensor_dims: tensor 'blk.2.attn_norm.weight' not found"],
    )
    assert "blk.2.attn_norm.weight" in shape and "metadata does not match its tensors" in shape
    other = load_failure(path, ValueError("Failed to load"), [])
    assert "Failed to load" in other and "models pull" in other


def test_gguf_header_tensor_count(tmp_path: Path) -> None:
    good = tmp_path / "a.gguf"
    good.write_bytes(b"GGUF" + (3).to_bytes(4, "little") + (291).to_bytes(8, "little") + bytes(8))
    assert gguf_tensor_count(good) == 291
    junk = tmp_path / "b.gguf"
    junk.write_bytes(os.urandom(64))
    assert gguf_tensor_count(junk) is None


def test_a_child_that_dies_while_loading_is_a_model_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child crashes (here: SIGABRT from a stand-in child) before it says it loaded."""
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    stand_in = tmp_path / "ghost_ls_crash_child.py"
    stand_in.write_text(
        "import os, signal, sys\n"
        "sys.stderr.write('x.cpp:1: GGML_ASSERT(n_layer > 0) failed\\n'); sys.stderr.flush()\n"
        "os.kill(os.getpid(), signal.SIGABRT)\n"
    )
    real_popen = subprocess.Popen

    def popen(command: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        return real_popen([sys.executable, str(stand_in)], **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(subprocess, "Popen", popen)
    with pytest.raises(ModelError) as error:
        ProcessBackend(model, Settings(extra_buffers="on"))
    message = str(error.value)
    assert "crashed (SIGABRT) while loading" in message
    assert str(model) in message
    assert "GGML_ASSERT(n_layer > 0) failed" in message
    assert "ghost-ls doctor --model" in message


def test_the_stop_rules_load_without_tree_sitter() -> None:
    """The child unpickles the first request's stop rule by importing its module: that
    import is on the first completion's path, and tree-sitter and the context builder
    made it take 80 ms (the boundary's largest single cost, once per engine process)."""
    code = (
        "import sys, ghost_ls.postprocess.stops\n"
        "print(sorted(m for m in sys.modules if 'tree_sitter' in m or m == 'ghost_ls.context.builder'))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env=child_environment())
    assert shown.stdout.strip() == "[]"


def test_every_look_at_the_flag_in_the_child_counts_as_progress() -> None:
    beats: list[int] = []
    request = GenerationRequest(Prompt("x"), max_tokens=50)
    evaluated, _, _ = _drive(["a"] * 20, request, beats=beats)
    assert len(evaluated) == 20
    assert beats[0] >= 21  # the job taken, then one look before each token


def test_a_watch_finds_a_stopped_child_and_a_wedged_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(child_control, "ALIVE_STALL_SECONDS", 1.0)
    flag = create_shared_flag()
    try:
        stopped = Watch(flag, progress_stall=None)
        now = time.monotonic()
        stopped.check(now + 0.9)
        flag.beat_alive()
        stopped.check(now + 1.5)  # a sign of life: the stall counts from here
        stopped.check(now + 2.4)
        with pytest.raises(ChildHung, match="no sign of life for 1 s"):
            stopped.check(now + 2.6)

        wedged = Watch(flag, progress_stall=2.0)
        now = time.monotonic()
        for tick in range(1, 5):  # alive all along
            flag.beat_alive()
            wedged.check(now + tick * 0.45)
        flag.beat()
        flag.beat_alive()
        wedged.check(now + 2.5)  # progress: the stall counts from here
        flag.beat_alive()
        wedged.check(now + 4.0)
        flag.beat_alive()
        with pytest.raises(ChildHung, match="no progress for 2 s"):
            wedged.check(now + 4.6)
    finally:
        flag.close()


def test_a_silent_child_is_hung_only_while_it_shows_no_sign_of_life(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(child_control, "ALIVE_STALL_SECONDS", 0.2)
    child = PipeChild()
    shared = SharedFlag(os.dup(child.flag.fd))  # the child's side of the memory

    def slow_but_alive() -> None:
        for _ in range(30):  # 0.6 s of loading, three times the stall time, then the answer
            time.sleep(0.02)
            shared.beat_alive()
        child.child_end.send_bytes(b"done")

    try:
        with pytest.raises(ChildHung):
            child.receive(threading.Event(), Watch(child.flag, progress_stall=None))
        worker = threading.Thread(target=slow_but_alive)
        worker.start()
        assert child.receive(threading.Event(), Watch(child.flag, progress_stall=None)) == b"done"
        worker.join(10)
    finally:
        shared.close()
        child.flag.close()


class DeadChild:
    """What ``buffers_fallback`` looks at of a child that exited."""

    def __init__(self, decoded: bool = False, killed_for: str = "", enabled: bool = True) -> None:
        self.decoded = decoded
        self.killed_for = killed_for
        self.choice = ExtraBuffersChoice(enabled, "on: no AMX on this CPU")


@pytest.mark.parametrize("fault", [signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGABRT])
def test_a_native_fault_at_the_first_decode_turns_extra_buffers_off(fault: signal.Signals) -> None:
    choice = buffers_fallback(DeadChild(), -fault)  # type: ignore[arg-type]
    assert choice is not None and not choice.enabled
    assert "crashed at its first decode" in choice.reason


@pytest.mark.parametrize(
    ("child", "returncode"),
    [
        (DeadChild(), -signal.SIGKILL),  # the OOM killer, a user
        (DeadChild(), -signal.SIGTERM),
        (DeadChild(), 1),  # an exit of its own
        (DeadChild(), None),
        (DeadChild(killed_for="no progress for 15 s"), -signal.SIGKILL),  # our kill
        (DeadChild(killed_for="no progress for 15 s"), -signal.SIGSEGV),
        (DeadChild(decoded=True), -signal.SIGSEGV),  # not at the first decode
        (DeadChild(enabled=False), -signal.SIGSEGV),  # nothing left to turn off
    ],
)
def test_other_deaths_restart_with_the_same_buffers(child: DeadChild, returncode: int | None) -> None:
    assert buffers_fallback(child, returncode) is None  # type: ignore[arg-type]
