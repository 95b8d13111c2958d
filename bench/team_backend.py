"""Team backend: 1, 4, 16 editors typing at once against ONE shared inference server.

What it measures: llama-cpp-python's OpenAI-compatible server (``python -m
llama_cpp.server``) runs the model once; each simulated editor is its own ``ghost-ls
serve`` process with ``backend: openai`` pointed at it, typing its own stretch of a
real file (from the ``requests`` sdist, as in ``typing_replay.py``): every keystroke is
a ``textDocument/didChange`` plus an ``inlineCompletion`` request that cancels the
previous unanswered one, ``--interval-ms`` apart, and every ``--pause-every`` characters
the typist waits for the suggestion: that wait is one time-to-suggestion sample.  All
editors start together (a barrier) and type concurrently.

Reports per editor count: each user's p50/p95 time-to-suggestion, the median and worst
of those across users, the pooled distribution, empty/unanswered pauses, model calls,
cache hits and the error statuses ghost-ls reported (server too slow: no first token
within the read timeout).  With ``--server llama-server`` (bench/setup_llama_cpp.sh
built) the server is started with ``--metrics`` and each run also reports what the
server itself evaluated: prompt tokens and generated tokens from its ``/metrics``
counters, per keystroke typed by all editors together.  llama-cpp-python's server has
no such counters.  ``--ghost-backend`` picks ghost-ls' backend: ``openai``
(``/v1/completions``, the default, what both servers speak) or ``llama-server``
(``/infill``, llama-server only).

Run:  .venv/bin/python bench/team_backend.py --editors 1,4,16 --json-out bench/out/team.json
JSON on stdout, progress on stderr.  Keep runs short on a CPU box: the defaults type 20
keystrokes per editor with a small ``--max-tokens``.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchlib.common import BENCH, emit, header, log, resolve_model, summary
from benchlib.drivers import Answer, LspDriver
from benchlib.keystrokes import Replay, plan
from benchlib.llamacpp import binary, free_port, read_metrics
from benchlib.sources import source_file
from ghost_ls.engine.cpu_features import llama_server_flags

DEFAULT_FILE = "requests==2.32.3:requests/sessions.py"


class InferenceServer:
    """The shared server: llama-cpp-python's (default) or llama-server, on 127.0.0.1."""

    def __init__(self, kind: str, model: Path, threads: int, context: int) -> None:
        self.port = free_port()
        self.kind = kind
        if kind == "llama-server":
            tool = binary("llama-server")
            if tool is None:
                raise SystemExit("llama-server is not built; run bench/setup_llama_cpp.sh")
            self.command = [str(tool), "-m", str(model), "--host", "127.0.0.1", "--port", str(self.port),
                            "-t", str(threads), "-c", str(context), "--cache-reuse", "256",
                            "--metrics", *llama_server_flags()]
            marker = "listening on http"  # this llama.cpp logs it once the model is loaded
        else:
            self.command = [sys.executable, "-m", "ghost_ls.devtools.llama_cpp_server", "--model", str(model),
                            "--host", "127.0.0.1", "--port", str(self.port), "--n_threads",
                            str(threads), "--n_ctx", str(context)]
            marker = "Uvicorn running on"
        log("starting " + " ".join(self.command))
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, errors="replace")
        self.ready = threading.Event()
        self.tail: list[str] = []
        threading.Thread(target=self._read, args=(marker,), daemon=True).start()

    def _read(self, marker: str) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.tail = [*self.tail[-40:], line.rstrip()]
            if marker in line:
                self.ready.set()
        self.ready.set()

    def wait_ready(self, timeout: float = 300) -> None:
        if not self.ready.wait(timeout) or self.process.poll() is not None:
            raise SystemExit("the inference server did not start:\n" + "\n".join(self.tail))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def counters(self) -> dict[str, float]:
        """llama-server's token counters (``/metrics``); empty for llama-cpp-python's server."""
        if self.kind != "llama-server":
            return {}
        return read_metrics(self.url)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Editor(threading.Thread):
    """One user: a ghost-ls process typing one replay."""

    def __init__(self, number: int, replay: Replay, options: dict[str, Any], args: argparse.Namespace,
                 barrier: threading.Barrier) -> None:
        super().__init__(name=f"editor-{number}", daemon=True)
        self.number = number
        self.replay = replay
        self.args = args
        self.barrier = barrier
        self.driver = LspDriver([sys.executable, "-m", "ghost_ls", "serve"], "ghost/status", options)
        self.before: dict[str, Any] = {}
        self.after: dict[str, Any] = {}
        self.failure = ""

    def run(self) -> None:
        try:
            self.driver.start()
            self.driver.open(f"{BENCH}/.work/team/{self.number}/{Path(self.replay.path).name}",
                             self.replay.initial_text)
            warm = self.driver.request(*self.replay.cursor, -1, True)  # not counted
            self.driver.wait(warm, self.args.wait_s)
            self.driver.answers.remove(warm)
            self.before = self.driver.status()
            self.barrier.wait()
            interval = self.args.interval_ms / 1000
            next_at = time.perf_counter()
            for index, key in enumerate(self.replay.keystrokes):
                delay = next_at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)  # the typist's pace
                answer = self.driver.keystroke(key, index)
                if key.pause:
                    self.driver.wait(answer, self.args.wait_s)
                    if answer.text and not self.args.no_did_show:
                        self.driver.did_show(answer)
                    next_at = time.perf_counter() + interval
                else:
                    next_at += interval
            self.driver.drain(self.args.wait_s)
            self.after = self.driver.status()
        except Exception as error:  # report it, keep the other editors' numbers
            self.failure = f"{type(error).__name__}: {error}"
            log(f"editor {self.number}: {self.failure}")
            with contextlib.suppress(threading.BrokenBarrierError):
                self.barrier.abort()

    def statuses(self) -> list[str]:
        return [m["params"]["message"] for m in self.driver.client.notifications
                if m["method"] == "ghost/didChangeStatus" and m["params"]["kind"] == "error"]

    def report(self) -> dict[str, Any]:
        answers: list[Answer] = self.driver.answers
        pauses = [a for a in answers if a.pause]
        latencies = [a.latency_ms for a in pauses if a.status == "answered" and a.latency_ms is not None]
        counters = {key: self.after.get(key, 0) - self.before.get(key, 0)
                    for key in ("requests", "modelCalls", "cacheHits", "cancelled")}
        return {
            "editor": self.number,
            "startLine": self.replay.start_line + 1,
            "keystrokes": len(self.replay.keystrokes),
            "pauses": len(pauses),
            "timeToSuggestionMs": summary(latencies),
            "pausesWithSuggestion": sum(1 for a in pauses if a.status == "answered" and a.text),
            "pausesNotAnswered": sum(1 for a in pauses if a.status != "answered"),
            **counters,
            "errorStatuses": self.statuses()[:5],
            "failure": self.failure,
            "samplePauseMs": [round(x) for x in latencies],
        }


def server_work(before: dict[str, float], after: dict[str, float], keystrokes: int) -> dict[str, Any]:
    """What the server evaluated during one run, in all and per keystroke (all editors')."""
    if not after:
        return {"skipped": "the server has no token counters (llama-server's /metrics)"}
    if not before:
        return {"skipped": "the editors never all started typing (see failures)"}
    prompt = after["prompt_tokens_total"] - before["prompt_tokens_total"]
    predicted = after["tokens_predicted_total"] - before["tokens_predicted_total"]
    return {"keystrokes": keystrokes, "promptTokens": prompt, "generatedTokens": predicted,
            "promptTokensPerKeystroke": round(prompt / keystrokes, 1) if keystrokes else None,
            "generatedTokensPerKeystroke": round(predicted / keystrokes, 2) if keystrokes else None}


def run_editors(count: int, replays: list[Replay], server: InferenceServer,
                args: argparse.Namespace) -> dict[str, Any]:
    options = {"backend": args.ghost_backend, "endpoint": server.url, "model": args.model,
               "maxTokens": args.max_tokens,
               "promptTokens": args.prompt_tokens, "indexWorkspace": False, "candidates": 1}
    counted: dict[str, dict[str, float]] = {}

    def start_counting() -> None:  # once every editor is warm, before anyone types
        counted["before"] = server.counters()

    barrier = threading.Barrier(count, action=start_counting)
    editors = [Editor(n, replays[n % len(replays)], options, args, barrier) for n in range(count)]
    log(f"{count} editor(s): starting")
    started = time.perf_counter()
    for editor in editors:
        editor.start()
    for editor in editors:
        editor.join()
    wall = time.perf_counter() - started
    after = server.counters()
    users = []
    for editor in editors:
        users.append(editor.report())
        editor.driver.close()
    p50s = [u["timeToSuggestionMs"]["p50"] for u in users if u["timeToSuggestionMs"].get("p50") is not None]
    p95s = [u["timeToSuggestionMs"]["p95"] for u in users if u["timeToSuggestionMs"].get("p95") is not None]
    pooled = [x for u in users for x in u["samplePauseMs"]]
    result = {
        "editors": count,
        "wallSeconds": round(wall, 1),
        "perUserP50Ms": summary(p50s),
        "perUserP95Ms": summary(p95s),
        "pooledTimeToSuggestionMs": summary(pooled),
        "pauses": sum(u["pauses"] for u in users),
        "pausesWithSuggestion": sum(u["pausesWithSuggestion"] for u in users),
        "pausesNotAnswered": sum(u["pausesNotAnswered"] for u in users),
        "modelCalls": sum(u["modelCalls"] for u in users),
        "cacheHits": sum(u["cacheHits"] for u in users),
        "editorsWithErrorStatus": sum(1 for u in users if u["errorStatuses"]),
        "serverWork": server_work(counted.get("before", {}), after,
                                  sum(u["keystrokes"] for u in users)),
        "users": users,
    }
    log(f"{count} editor(s): per-user p50 median {result['perUserP50Ms'].get('p50')} ms, "
        f"per-user p95 median {result['perUserP95Ms'].get('p50')} ms, wall {wall:.0f} s")
    return result


def build_replays(args: argparse.Namespace, count: int) -> list[Replay]:
    """``count`` stretches of the file, each starting at a different function body."""
    path = source_file(args.file)
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    starts = [i + 1 for i, line in enumerate(lines)
              if line.lstrip().startswith("def ") and line.rstrip().endswith(":")
              and i + 1 < len(lines) and lines[i + 1].strip() and not lines[i + 1].strip().startswith('"""')]
    if not starts:
        raise SystemExit(f"no function bodies to type in {path}")
    replays = []
    for number in range(count):
        start = starts[(number * max(1, len(starts) // count)) % len(starts)]
        replay = plan(str(path), text, start, 4, pause_at="none", every=args.pause_every,
                      mid_file=False)
        keys = replay.keystrokes[: args.keystrokes]
        replays.append(Replay(replay.path, replay.start_line, replay.initial_text, replay.cursor, keys))
    return replays


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--editors", default="1,4,16", help="comma-separated editor counts")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b-instruct", help="catalog name")
    parser.add_argument("--file", default=DEFAULT_FILE, help="PKG==VER:path (pip sdist) or a local path")
    parser.add_argument("--keystrokes", type=int, default=20, help="requests per editor")
    parser.add_argument("--pause-every", type=int, default=4, help="wait for the suggestion every K chars")
    parser.add_argument("--interval-ms", type=float, default=80.0)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--threads", type=int, default=2, help="the server's threads")
    parser.add_argument("--context", type=int, default=4096)
    parser.add_argument("--wait-s", type=float, default=300, help="longest wait for one answer")
    parser.add_argument("--server", choices=["llama-cpp-python", "llama-server"], default="llama-cpp-python")
    parser.add_argument("--ghost-backend", choices=["openai", "llama-server"], default="openai",
                        help="ghost-ls' backend setting (llama-server: /infill, llama-server only)")
    parser.add_argument("--no-did-show", action="store_true", help="do not send didShowCompletion")
    parser.add_argument("--json-out", type=Path)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.ghost_backend == "llama-server" and args.server != "llama-server":
        raise SystemExit("--ghost-backend llama-server needs --server llama-server")
    counts = [int(c) for c in args.editors.split(",") if c]
    model = resolve_model(args.model)
    server = InferenceServer(args.server, model, args.threads, args.context)
    result = header("team_backend")
    result["config"] = {**{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                        "modelPath": str(model), "serverCommand": server.command}
    try:
        server.wait_ready()
        result["runs"] = [run_editors(count, build_replays(args, count), server, args)
                          for count in counts]
    finally:
        server.close()
    emit(result, args.json_out)


if __name__ == "__main__":
    main()
