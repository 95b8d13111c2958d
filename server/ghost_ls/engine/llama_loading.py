"""Loading llama.cpp models safely: threads, native logs, GGUF checks, load errors, AMX.

What every ``Llama()`` in ghost-ls goes through, whoever creates it (the engine's
backend in ``engine/llama.py``, the benchmarks' plain FIM baseline, llama-cpp-python's
own server in ``devtools``): llama.cpp's log lines routed to Python logging (the
errors kept, so that a failed load can quote them), a GGUF header check, a failed load
turned into advice, and llama.cpp's extra buffer types switched off where this CPU's
AMX path would crash (``engine/cpu_features.py`` decides).
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import importlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ghost_ls.engine.cpu_features import ExtraBuffersChoice, choose_for_this_cpu


def gpu_offload_supported() -> bool:
    """Whether this llama.cpp build can put layers on a GPU (CUDA, Metal, Vulkan...)."""
    import llama_cpp

    return bool(llama_cpp.llama_supports_gpu_offload())


def default_threads() -> int:
    """Threads for llama.cpp: the CPUs this process may use, at most 8."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        available = os.cpu_count() or 1
    return max(1, min(8, available))


_LOG_CALLBACK: Any = None
_LOG_LEVEL_ERROR = 4  # GGML_LOG_LEVEL_ERROR
RECENT_ERRORS: collections.deque[str] = collections.deque(maxlen=8)
"""llama.cpp's last error log lines; a failed load's message quotes them."""


def route_llama_logs() -> None:
    """Send llama.cpp's own log lines to Python logging (debug level), not to fd 2."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is not None:
        return
    import llama_cpp

    native_log = logging.getLogger("llama.cpp")

    @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
    def callback(level: int, text: bytes, user_data: Any) -> None:
        line = text.decode("utf-8", "replace").rstrip()
        if level == _LOG_LEVEL_ERROR and line:
            RECENT_ERRORS.append(line)
        native_log.debug("%s", line)

    _LOG_CALLBACK = callback
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))


def gguf_tensor_count(path: Path) -> int | None:
    """The tensor count in a GGUF header, None when the file is not a GGUF (v2/v3)."""
    try:
        with path.open("rb") as file:
            header = file.read(16)
    except OSError:
        return None
    if len(header) < 16 or header[:4] != b"GGUF" or int.from_bytes(header[4:8], "little") < 2:
        return None
    return int.from_bytes(header[8:16], "little")


def load_failure(model_path: Path, error: Exception, llama_errors: list[str]) -> str:
    """What went wrong loading ``model_path`` and what to do, from llama.cpp's own words."""
    marker = "error loading model:"
    detail = next((line.split(marker, 1)[1].strip() for line in llama_errors if marker in line), "")
    if "unknown model architecture" in detail:
        advice = (
            "This llama.cpp build does not support that architecture: use a model from "
            "`ghost-ls models list`, or upgrade llama-cpp-python"
        )
    elif "check_tensor_dims" in detail or "wrong shape" in detail or "not found" in detail:
        advice = (
            "The file's metadata does not match its tensors (a broken conversion or an "
            "edited header): download or convert the model again"
        )
    else:
        advice = "The file may be corrupt or truncated; delete it and run `ghost-ls models pull` again"
    return f"llama.cpp could not load {model_path}: {detail or error}. {advice}."


@contextlib.contextmanager
def extra_buffers_for_loads(extra_buffers: bool) -> Iterator[None]:
    """Make ``Llama()`` load with ``use_extra_bufts`` as given (it has no argument for it).

    llama-cpp-python builds its ``llama_model_params`` from
    ``llama_model_default_params()`` inside ``Llama.__init__``; for the duration of one
    load that function returns params with the field set.  Loads run one at a time.
    """
    llama_module: Any = importlib.import_module("llama_cpp.llama")
    original = llama_module.llama_cpp.llama_model_default_params
    if extra_buffers:
        yield
        return
    llama_module.llama_cpp.llama_model_default_params = _without_extra_buffers(original)
    try:
        yield
    finally:
        llama_module.llama_cpp.llama_model_default_params = original


def _without_extra_buffers(default_params: Any) -> Any:
    def patched() -> Any:
        params = default_params()
        params.use_extra_bufts = False
        return params

    return patched


def make_every_load_safe() -> ExtraBuffersChoice:
    """From now on, every ``Llama()`` this process creates takes this CPU's safe
    extra-buffer choice; for running llama-cpp-python's own code (its OpenAI server)."""
    choice = choose_for_this_cpu("auto")
    if not choice.enabled:
        llama_module: Any = importlib.import_module("llama_cpp.llama")
        defaults = llama_module.llama_cpp.llama_model_default_params
        llama_module.llama_cpp.llama_model_default_params = _without_extra_buffers(defaults)
    return choice


def bare_llama(model_path: str, **options: Any) -> Any:
    """llama-cpp-python's own ``Llama`` with this CPU's safe extra-buffer choice, for tools
    that need its API (the benchmarks' plain FIM baseline): a plain ``Llama()`` crashes
    at its first decode on CPUs with AMX."""
    import llama_cpp

    with extra_buffers_for_loads(choose_for_this_cpu("auto").enabled):
        return llama_cpp.Llama(model_path=model_path, **options)
