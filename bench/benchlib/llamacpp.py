"""llama.cpp's own tools, built by ``bench/setup_llama_cpp.sh``: llama-server and llama-bench.

The binaries are looked up in ``$GHOST_LS_LLAMA_CPP_BIN`` when that is set (a ``bin``
folder, e.g. another checkout's ``bench/.work/llama.cpp-build/bin``), else in this
checkout's ``bench/.work/llama.cpp-build/bin``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from benchlib.common import WORK, log
from ghost_ls.engine.cpu_features import choose_for_this_cpu, llama_server_flags

BIN = WORK / "llama.cpp-build" / "bin"
BIN_ENV = "GHOST_LS_LLAMA_CPP_BIN"


def bin_dir() -> Path:
    """Where llama-server and llama-bench are looked up (``$GHOST_LS_LLAMA_CPP_BIN`` first)."""
    override = os.environ.get(BIN_ENV)
    return Path(override).expanduser() if override else BIN


def binary(name: str) -> Path | None:
    path = bin_dir() / name
    return path if path.is_file() and os.access(path, os.X_OK) else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def llama_bench(model: Path, threads: int, prompt_sizes: str = "32,512", gen: int = 64,
                repetitions: int = 2, depths: str = "0") -> dict[str, Any]:
    """Prompt (pp) and generation (tg) tokens/s of ``model`` at ``threads`` threads.

    The pp figures and ``tgTokensPerSecond`` are at an empty context (depth 0, always
    measured); ``tgByDepth`` has generation speed after ``depths`` tokens of context
    (llama-bench ``-d``), which is what a completion deep in a prompt gets.
    """
    tool = binary("llama-bench")
    if tool is None:
        raise FileNotFoundError("llama-bench is not built; run bench/setup_llama_cpp.sh")
    depth_list = sorted({0, *(int(depth) for depth in depths.split(",") if depth.strip())})
    command = [str(tool), "-m", str(model), "-t", str(threads), "-p", prompt_sizes,
               "-n", str(gen), "-r", str(repetitions), "-o", "json",
               "-d", ",".join(str(depth) for depth in depth_list),
               "--repack", "1" if choose_for_this_cpu("auto").enabled else "0"]
    log("running " + " ".join(command))
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    rows = json.loads(out.stdout)
    empty = [row for row in rows if int(row.get("n_depth", 0)) == 0]
    pp = {int(row["n_prompt"]): float(row["avg_ts"]) for row in empty if row["n_prompt"] > 0}
    largest = max(pp) if pp else None
    tg = [float(row["avg_ts"]) for row in empty if row["n_gen"] > 0]
    tg_by_depth = {str(int(row.get("n_depth", 0))): round(float(row["avg_ts"]), 2)
                   for row in rows if row["n_gen"] > 0}
    return {
        "threads": threads,
        "ppTokensPerSecond": {str(size): round(speed, 1) for size, speed in sorted(pp.items())},
        "tgTokensPerSecond": round(tg[0], 1) if tg else None,
        "tgByDepth": tg_by_depth,
        "ppForFloor": round(pp[largest], 1) if largest else None,
        "ppSmallBatch": round(pp[min(pp)], 1) if pp else None,
        "build": rows[0].get("build_commit") if rows else None,
    }


def read_metrics(base_url: str) -> dict[str, float]:
    """llama-server's Prometheus counters (``/metrics``, needs ``--metrics``) as name -> value,
    without the ``llamacpp:`` prefix."""
    with urllib.request.urlopen(base_url + "/metrics", timeout=30) as response:
        text = response.read().decode("utf-8")
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                values[name.split(":", 1)[-1]] = float(value)
            except ValueError:
                continue
    return values


class LlamaServer:
    """A llama-server process on 127.0.0.1 with metrics enabled.

    ``slots``: passed as ``-np`` when given; None leaves llama-server's own default
    (``-1`` = auto: 4 slots with a unified KV cache in the build setup_llama_cpp.sh makes).
    """

    def __init__(self, model: Path, threads: int, context: int, extra: list[str],
                 slots: int | None = None, log_name: str = "llama-server.log") -> None:
        tool = binary("llama-server")
        if tool is None:
            raise FileNotFoundError("llama-server is not built; run bench/setup_llama_cpp.sh")
        self.port = free_port()
        self.command = [str(tool), "-m", str(model), "--host", "127.0.0.1",
                        "--port", str(self.port), "-t", str(threads), "-tb", str(threads),
                        "-c", str(context), *(["-np", str(slots)] if slots else []),
                        "--metrics", *llama_server_flags(), *extra]
        WORK.mkdir(parents=True, exist_ok=True)
        self.log_path = WORK / log_name
        self.log_file = self.log_path.open("w")
        log("starting " + " ".join(self.command))
        self.process = subprocess.Popen(self.command, stdout=self.log_file,
                                        stderr=subprocess.STDOUT)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama-server exited; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url("/health"), timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise TimeoutError("llama-server did not become ready")

    def metrics(self) -> dict[str, float]:
        return read_metrics(self.url(""))

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()
