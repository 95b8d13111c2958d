"""The parts of the engine's process boundary that need no model: exit descriptions, the
shared cancel flag, the lock-step verdicts, the child's stderr, the load-error messages."""

from __future__ import annotations

import io
import os
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


def _drive(pieces: list[str], request: GenerationRequest) -> tuple[list[bool], str, GenerationResult]:
    """Run ProxyDriver in a thread against the parent's verdict loop over a real Pipe."""
    parent_end, child_end = Pipe()
    flag = create_shared_flag()
    kept: list[bool] = []
    proxy = ProxyDriver(child_end, flag)

    def child_side() -> None:
        proxy.start_sampling()
        for piece in pieces:
            if not proxy.should_continue():
                break
            keep = proxy.feed(piece)
            kept.append(keep)
            if not keep:
                break
        child_end.send_bytes(protocol.DONE)

    result = GenerationResult(text="", stop_reason="")
    driver = StreamDriver(request, result)
    thread = threading.Thread(target=child_side)
    thread.start()
    while True:
        message = parent_end.recv_bytes()
        if message == protocol.DONE:
            break
        if message == protocol.SAMPLING:
            driver.start_sampling()
            parent_end.send_bytes(bytes((protocol.GO_ON if driver.should_continue() else 0,)))
        else:
            keep = driver.feed(message[1:].decode())
            go_on = keep and driver.should_continue()
            parent_end.send_bytes(bytes(((protocol.KEEP if keep else 0) | (protocol.GO_ON if go_on else 0),)))
    thread.join(10)
    flag.close()
    return kept, proxy.ended, driver.finish()


def test_lock_step_stop_rule_drops_the_stopping_piece() -> None:
    request = GenerationRequest(Prompt("x"), max_tokens=10, stop=lambda text: 3 if "\n" in text else None)
    kept, ended, result = _drive(["abc", "\n", "never"], request)
    assert kept == [True, False]  # the child must not evaluate the "\n" token
    assert ended == "stopped"
    assert result.text == "abc" and result.stop_reason == "stop-rule"


def test_lock_step_max_tokens_keeps_the_last_piece_then_stops() -> None:
    request = GenerationRequest(Prompt("x"), max_tokens=2)
    kept, ended, result = _drive(["a", "b", "c"], request)
    assert kept == [True, True]  # both evaluated, as in-process; no third token sampled
    assert ended == "stopped"
    assert result.text == "ab" and result.stop_reason == "max-tokens"


def test_cancel_before_sampling_stops_at_once() -> None:
    request = GenerationRequest(Prompt("x"), max_tokens=10)
    request.cancel.set()
    kept, _, result = _drive(["a"], request)
    assert kept == []
    assert result.stop_reason == "cancelled"


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
        [
            "error loading model: check_tensor_dims: tensor 'blk.2.attn_norm.weight' not found"
        ],
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
        proxy = ProxyDriver(child_end, flag)
        parent_end.send_bytes(bytes((protocol.GO_ON,)))  # the parent's answer to SAMPLING
        proxy.start_sampling()
        assert parent_end.recv_bytes() == protocol.SAMPLING
        assert proxy.should_continue()
        flag.set()  # the parent copies request.cancel here while the child decodes
        assert not proxy.should_continue()
        assert proxy.ended == "cancelled"
    finally:
        flag.close()
