"""What the engine's process boundary costs, and what llama.cpp's extra buffer types buy.

1. Boundary (``--model``, default the 0.5B): the same requests through the in-process
   ``LlamaBackend`` and through ``ProcessBackend`` (llama.cpp in a child process),
   interleaved ABBA so drift in the machine's load hits both alike.  The requests
   replay typing: each prompt is the previous one plus a few characters, so the KV
   prefix reuse is the realistic one; each generates to the line end (at most
   ``--tokens``), ``--gap-ms`` after the previous one (an editor's debounce).
   Reported per request: the boundary's own cost (the child process' wall time minus
   the parent's tokenizing and the child's time from reading the request to sending
   the result: messages, pickling, waking the other process), the same cost from
   timestamps taken in both processes on one clock, part by part (``BoundaryTimes``:
   pickling, each wake-up, unpickling; it leaves out the parent's own bookkeeping,
   which the in-process backend has too) both alongside the in-process model and
   again with the child alone (the in-process model closed: the server's setting, where
   the parent runs no llama.cpp threads and holds no second model), the wall time of each
   backend and their paired difference (process minus in-process; on a loaded machine
   mostly noise), and the no-op round trip to the child (``ping``, back to back and
   after a pause).  A generation is one message each way (``engine/child_main.py``), so the
   boundary should cost about one round trip after a pause.
2. Extra buffers (``--buffers-model``, default the 1.5B): the same model loaded with
   ``use_extra_bufts`` on and off (in-process, both loaded), interleaved, ``--reps``
   times: prompt tok/s on a fresh ~300-token prompt and generation tok/s for 32 tokens.
   Not on a CPU with AMX: "on" would crash this process (the JSON says why it skipped).

Run:  .venv/bin/python bench/engine_boundary.py --json-out bench/results/DATE-engine-boundary.json
Prints one JSON object on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchlib.common import emit, header, log, ratio, summary
from ghost_ls.config import Settings
from ghost_ls.engine.backend import GenerationRequest, GenerationResult, Prompt, StopRule
from ghost_ls.engine.child_backend import ProcessBackend
from ghost_ls.engine.child_main import BoundaryTimes
from ghost_ls.engine.cpu_features import choose_for_this_cpu, system_info
from ghost_ls.engine.llama import LlamaBackend
from ghost_ls.models.store import resolve_model
from ghost_ls.postprocess.stops import stop_at_newline

SOURCE = '''import math
from dataclasses import dataclass


@dataclass
class Circle:
    radius: float

    def area(self) -> float:
        """Area of the circle."""
        return math.pi * self.radius ** 2

    def circumference(self) -> float:
        """Circumference of the circle."""
        return 2 * math.pi * self.radius

    def scaled(self, factor: float) -> "Circle":
        """A circle scaled by factor."""
        return Circle(self.radius * factor)
'''


def typing_prompts(count: int, step: int = 3) -> list[str]:
    """``count`` prompts, each ``step`` characters longer than the one before."""
    start = len(SOURCE) - count * step
    return [SOURCE[: start + i * step] for i in range(1, count + 1)]


def run(
    backend: LlamaBackend | ProcessBackend, text: str, tokens: int, stop: StopRule | None = None
) -> tuple[float, GenerationResult]:
    request = GenerationRequest(Prompt(text), max_tokens=tokens, stop=stop, cancel=threading.Event())
    started = time.perf_counter()
    result = backend.generate(request)
    return time.perf_counter() - started, result


class BoundaryLog:
    """The boundary's parts (``ProcessBackend.last_boundary``) over many requests."""

    def __init__(self) -> None:
        self.parts: dict[str, list[float]] = {field.name: [] for field in dataclasses.fields(BoundaryTimes)}
        self.totals: list[float] = []

    def add(self, backend: ProcessBackend) -> None:
        times = backend.last_boundary
        assert times is not None
        for name, seconds in dataclasses.asdict(times).items():
            self.parts[name].append(seconds * 1000)
        self.totals.append(times.total * 1000)

    def report(self) -> dict[str, Any]:
        return {
            "total": summary(self.totals, 3),
            "overOneMs": sum(total > 1.0 for total in self.totals),
            "parts": {name: summary(values, 3) for name, values in self.parts.items()},
        }


def boundary(model: Path, requests: int, tokens: int, threads: int, gap: float) -> dict[str, Any]:
    settings = Settings(threads=threads, extra_buffers="auto")
    log(f"boundary: loading {model.name} in-process and in a child process")
    local = LlamaBackend(model, threads=threads)
    child = ProcessBackend(model, settings)
    try:
        local_engine, child_engine = local.info().engine, child.info().engine
        if (local_engine and local_engine.extra_buffers) != (child_engine and child_engine.extra_buffers):
            log("warning: the two backends chose different extra buffers")
        prompts = typing_prompts(requests)
        run(local, prompts[0][:-40], tokens)  # warm-up: first decode, page cache
        run(child, prompts[0][:-40], tokens)
        wall: dict[str, list[float]] = {"inProcess": [], "childProcess": []}
        differences: list[float] = []
        overhead: list[float] = []
        alongside = BoundaryLog()
        generated: list[int] = []
        mismatches = 0
        for index, text in enumerate(prompts):
            order = [("inProcess", local), ("childProcess", child)]
            if index % 2:
                order.reverse()
            results: dict[str, GenerationResult] = {}
            for name, backend in order:
                time.sleep(gap)  # the editor's debounce: requests do not come back to back
                seconds, result = run(backend, text, tokens, stop_at_newline)
                wall[name].append(seconds * 1000)
                results[name] = result
            differences.append(wall["childProcess"][-1] - wall["inProcess"][-1])
            # the boundary's own cost: wall time that is neither tokenizing nor llama.cpp
            compute = child.last_tokenize_seconds + child.last_child_seconds
            overhead.append(wall["childProcess"][-1] - compute * 1000)
            alongside.add(child)
            generated.append(results["childProcess"].generated_tokens)
            if results["childProcess"].text != results["inProcess"].text:
                mismatches += 1
        # the server's setting: the parent holds no model and runs no llama.cpp threads
        local.close()
        alone = BoundaryLog()
        for text in prompts:
            time.sleep(gap)
            run(child, text, tokens, stop_at_newline)
            alone.add(child)
        pings = [child.ping() * 1000 for _ in range(2000)]
        cold: list[float] = []
        for _ in range(30):  # after an idle pause, as a request after a keystroke finds it
            time.sleep(gap)
            cold.append(child.ping() * 1000)
        return {
            "model": model.name,
            "requests": requests,
            "maxTokensPerRequest": tokens,
            "stopRule": "stop_at_newline",
            "gapMs": round(gap * 1000),
            "generatedTokens": summary([float(n) for n in generated], 1),
            "threads": threads,
            "wallMs": {name: summary(values, 2) for name, values in wall.items()},
            "boundaryOverheadMs": summary(overhead, 3),
            "boundaryStampedMs": alongside.report(),
            "boundaryStampedChildOnlyMs": alone.report(),
            "childMinusInProcessMs": summary(differences, 3),
            "pingRoundTripMs": summary(pings, 4),
            "pingAfterPauseRoundTripMs": summary(cold, 4),
            "textMismatches": mismatches,
        }
    finally:
        child.close()
        local.close()


def extra_buffers(model: Path, reps: int, threads: int) -> dict[str, Any]:
    log(f"extra buffers: loading {model.name} with use_extra_bufts on and off")
    backends = {
        "on": LlamaBackend(model, threads=threads, extra_buffers=True),
        "off": LlamaBackend(model, threads=threads, extra_buffers=False),
    }
    prompt_speed: dict[str, list[float]] = {"on": [], "off": []}
    generation_speed: dict[str, list[float]] = {"on": [], "off": []}
    try:
        for rep in range(reps + 1):
            order = ["on", "off"] if rep % 2 else ["off", "on"]
            for name in order:
                # a different first line each time: the whole prompt is evaluated
                text = f"# run {rep} {name}\n" + SOURCE * 2
                _, result = run(backends[name], text, 32)
                if rep == 0:
                    continue  # warm-up
                prompt_speed[name].append(result.evaluated_tokens / result.prompt_seconds)
                generation_speed[name].append(result.tokens_per_second)
                log(
                    f"  rep {rep} {name}: prompt {prompt_speed[name][-1]:.1f} tok/s "
                    f"({result.evaluated_tokens} tokens), generation {generation_speed[name][-1]:.1f} tok/s"
                )
    finally:
        for backend in backends.values():
            backend.close()
    prompt = {name: summary(values, 1) for name, values in prompt_speed.items()}
    generation = {name: summary(values, 1) for name, values in generation_speed.items()}
    return {
        "model": model.name,
        "reps": reps,
        "threads": threads,
        "promptTokensPerSecond": prompt,
        "generationTokensPerSecond": generation,
        "promptOnOverOff": ratio(prompt["on"]["p50"], prompt["off"]["p50"]),
        "generationOnOverOff": ratio(generation["on"]["p50"], generation["off"]["p50"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b-instruct")
    parser.add_argument("--buffers-model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--tokens", type=int, default=16, help="max tokens per request (line end stops)")
    parser.add_argument("--gap-ms", type=int, default=150, help="pause before each request (debounce)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="llama.cpp threads (0: the server's choice)")
    parser.add_argument("--skip-buffers", action="store_true")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    result = header("engine_boundary")
    result["systemInfo"] = system_info()
    result["boundary"] = boundary(
        resolve_model(args.model)[0], args.requests, args.tokens, args.threads, args.gap_ms / 1000
    )
    safe = choose_for_this_cpu("auto")
    if not safe.enabled:  # "on" would crash this process at its first decode
        log(f"extra buffers: not compared on this CPU ({safe.reason})")
        result["extraBuffers"] = {"skipped": safe.reason}
    elif not args.skip_buffers:
        result["extraBuffers"] = extra_buffers(resolve_model(args.buffers_model)[0], args.reps, args.threads)
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
