"""The parts of the engine's process boundary that need no model: exit descriptions, the
shared cancel flag, the lock-step verdicts, the child's stderr, the load-error messages."""

from __future__ import annotations

import io
import os
import pickle
import signal
import subprocess
import sys
import threading
from multiprocessing.connection import Pipe
from pathlib import Path

import pytest

from ghost_ls.config import Settings
from ghost_ls.engine import child as protocol
from ghost_ls.engine.backend import GenerationRequest, GenerationResult, Prompt
from ghost_ls.engine.child import ProxyDriver
from ghost_ls.engine.llama import gguf_tensor_count, load_failure
from ghost_ls.engine.process import (
    ProcessBackend,
    StderrTail,
    child_environment,
    create_shared_flag,
    describe_exit,
)
from ghost_ls.engine.streaming import StreamDriver
from ghost_ls.errors import ModelError


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
        self.done_pending = False

    def send(self, message: bytes) -> None:
        self.conn.send_bytes(message)

    def receive(self, cancel: threading.Event | None = None) -> bytes:
        return self.conn.recv_bytes()


def _drive(
    pieces: list[str], request: GenerationRequest
) -> tuple[dict[str, list[str]], str, GenerationResult]:
    """The parent's real exchange against the child's real ProxyDriver running the
    loop of ``LlamaBackend._sample_loop`` (speculative form) over ``pieces``.

    Returns the pieces the child evaluated (``evaluated``), evaluated and then took
    out of its cache again (``dropped``), or never evaluated because the verdict came
    first (``refused``); how its loop ended; and the parent's result.
    """
    child = PipeChild()
    seen: dict[str, list[str]] = {"evaluated": [], "dropped": [], "refused": []}
    ended: list[str] = []

    def child_side() -> None:
        job = child.child_end.recv_bytes()
        assert job[:1] == protocol.GENERATE
        ending = pickle.loads(job[1:])[4]
        proxy = ProxyDriver(child.child_end, child.flag, GenerationResult("", "", prompt_tokens=5), ending)
        proxy.start_sampling()
        for piece in pieces:
            if not proxy.should_continue():
                break
            proxy.send_piece(piece)
            if proxy.may_end(piece):  # wait for the verdict first
                if not proxy.piece_kept():
                    seen["refused"].append(piece)
                    break
                seen["evaluated"].append(piece)
                continue
            seen["evaluated"].append(piece)  # evaluated while the verdict is on its way
            if not proxy.piece_kept():
                seen["dropped"].append(piece)
                break
        else:
            proxy.end_of_stream()
        ended.append(proxy.ended)
        fields = {
            "prompt_tokens": 5,
            "reused_tokens": 0,
            "evaluated_tokens": 5,
            "prompt_seconds": 0.0,
            "stop_reason": "",
            "ended": proxy.ended,
            "error": "",
            "compute_seconds": 0.0,
        }
        child.child_end.send_bytes(protocol.DONE + pickle.dumps(fields))

    parent = ProcessBackend.__new__(ProcessBackend)  # only the exchange, no process
    result = GenerationResult(text="", stop_reason="")
    driver = StreamDriver(request, result)
    thread = threading.Thread(target=child_side)
    thread.start()
    parent._exchange(child, [1, 2, 3], request, driver, result)  # type: ignore[arg-type]
    thread.join(10)
    if child.done_pending:  # answered early: the next exchange would read this DONE
        parent._drain(child, None)  # type: ignore[arg-type]
    assert not child.done_pending
    child.flag.close()
    return seen, ended[0], driver.finish()


def test_a_newline_piece_waits_for_its_verdict_and_is_never_evaluated() -> None:
    request = GenerationRequest(Prompt("x"), max_tokens=10, stop=lambda text: 3 if "\n" in text else None)
    seen, ended, result = _drive(["abc", "\n", "never"], request)
    assert seen == {"evaluated": ["abc"], "dropped": [], "refused": ["\n"]}
    assert ended == "stopped"
    assert result.text == "abc" and result.stop_reason == "stop-rule"
    assert result.prompt_tokens == 5  # the statistics came with SAMPLING


def test_a_piece_cut_without_warning_is_taken_out_of_the_cache_again() -> None:
    request = GenerationRequest(Prompt("x"), max_tokens=10, stop=lambda text: 2 if "cd" in text else None)
    seen, ended, result = _drive(["ab", "cd", "never"], request)
    assert seen == {"evaluated": ["ab", "cd"], "dropped": ["cd"], "refused": []}
    assert ended == "stopped"
    assert result.text == "ab" and result.stop_reason == "stop-rule"


def test_the_last_character_of_a_stop_string_makes_a_piece_wait() -> None:
    request = GenerationRequest(Prompt("x"), max_tokens=10, stop_strings=("<END>",))
    seen, _, result = _drive(["ab", "<EN", "D>", "never"], request)
    assert seen == {"evaluated": ["ab", "<EN"], "dropped": [], "refused": ["D>"]}
    assert result.text == "ab" and result.stop_reason == "eos"


def test_max_tokens_keeps_the_last_piece_then_stops() -> None:
    request = GenerationRequest(Prompt("x"), max_tokens=2)
    seen, ended, result = _drive(["a", "b", "c"], request)
    assert seen == {"evaluated": ["a", "b"], "dropped": [], "refused": []}  # as in-process
    assert ended == "stopped"
    assert result.text == "ab" and result.stop_reason == "max-tokens"


def test_end_of_stream_waits_for_done() -> None:
    request = GenerationRequest(Prompt("x"), max_tokens=10)
    seen, ended, result = _drive(["a", "b"], request)
    assert seen["evaluated"] == ["a", "b"] and ended == "eos"
    assert result.text == "ab" and result.stop_reason == "eos"


def test_cancel_before_sampling_refuses_the_first_piece() -> None:
    request = GenerationRequest(Prompt("x"), max_tokens=10)
    request.cancel.set()
    seen, _, result = _drive(["a"], request)
    assert seen["dropped"] == ["a"]  # evaluated, then taken out: in-process never evaluates it
    assert result.text == "" and result.stop_reason == "cancelled"


def test_stderr_tail_finds_the_failed_assertion() -> None:
    stream = io.BytesIO(
        b"llama_model_loader: loaded meta data\n"
        b"/src/llama-model.cpp:1328: GGML_ASSERT(hparams.n_layer_all > 0) failed\n"
        b"WARNING ghost_ls.engine.child: something\n"
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


def test_proxy_stops_when_the_shared_flag_is_set() -> None:
    parent_end, child_end = Pipe()
    flag = create_shared_flag()
    try:
        proxy = ProxyDriver(child_end, flag, GenerationResult("", ""))
        proxy.start_sampling()
        assert parent_end.recv_bytes()[:1] == protocol.SAMPLING
        assert proxy.should_continue()
        flag.set()  # the parent copies request.cancel here while the child decodes
        assert not proxy.should_continue()
        assert proxy.ended == "cancelled"
    finally:
        flag.close()
