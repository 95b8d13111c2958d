"""How fast the engine reads a prompt, against llama-bench, and how fast a cancel stops it.

What it measures: the local engine (``engine/llama.py``, in-process) reads the same
real source file (``--prompt-tokens`` tokens of it) from an empty KV cache, once per
chunk size (``--chunks``: prompt tokens per ``llama_decode``; the engine's own is
``EVAL_CHUNK``), in an order that rotates every round (``--rounds``).  Each size gets
its own engine, all loaded before the first read.  The baseline is llama-bench on the
same model file and thread count, one more system in the rotation (one repetition a
round): its pp at the prompt length (``pp{N}``, batch and micro-batch 512 as llama-bench
runs it) is what llama.cpp reads at when nothing has to stay cancellable.  Each read's
speed is divided by llama-bench's in the same round (these machines drift by 15 % within
minutes).  Each llama-bench run also reads a batch of each chunk size
(``llamaBenchPpOverPpPrompt``: pp{chunk} / pp{N}), what llama.cpp itself makes of a
smaller batch, without the engine around it.

Then, per chunk size, ``--cancels`` reads are cancelled ``--cancel-after`` seconds in
(the cancel flag set from another thread, as the server's request handling does): the
time from the cancel to the engine's return, and the prompt tokens the cache kept.

``--load N`` runs N busy processes beside the whole run (``benchlib/load.py``).

Run:  .venv/bin/python bench/prompt_speed.py --json-out bench/results/DATE-prompt-speed.json
JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path
from typing import Any

from benchlib.common import ROOT, emit, header, log, resolve_model, summary
from benchlib.llamacpp import llama_bench
from benchlib.load import add_load_arguments, cpu_load
from ghost_ls.engine.backend import GenerationRequest, GenerationResult, Prompt
from ghost_ls.engine.llama import EVAL_CHUNK, LlamaBackend
from ghost_ls.engine.llama_loading import default_threads

SOURCE = ROOT / "server" / "ghost_ls" / "engine" / "streaming.py"
"""The text read: a real Python module of this project, long enough for 1,000 tokens."""


def prompt_text(backend: LlamaBackend, run: int, tokens: int) -> str:
    """The lines of ``SOURCE`` that fit in ``tokens`` tokens, after a line naming the
    run, so that no run shares a cached prefix with another."""
    text = f"# read {run}\n"
    for line in SOURCE.read_text().splitlines(keepends=True):
        if len(backend.prompt_tokens(text + line)) > tokens:
            break
        text += line
    return text


def read(backend: LlamaBackend, text: str, cancel_after: float | None = None) -> tuple[
        GenerationResult, float | None]:
    """Read ``text`` and generate one token; with ``cancel_after``, cancel the read then.
    Returns the result and the seconds from the cancel to the engine's return."""
    request = GenerationRequest(prompt=Prompt(text=text), max_tokens=1)
    cancelled_at: list[float] = []
    timer = None
    if cancel_after is not None:
        def cancel() -> None:
            cancelled_at.append(time.perf_counter())
            request.cancel.set()
        timer = threading.Timer(cancel_after, cancel)
        timer.start()
    result = backend.generate(request)
    returned = time.perf_counter()
    if timer is not None:
        timer.cancel()
    return result, (returned - cancelled_at[0]) if cancelled_at else None


def bench_speeds(model: Path, threads: int, sizes: list[int]) -> dict[str, float]:
    """llama-bench's prompt speed for each of ``sizes`` tokens read in one batch (one
    repetition, no generation): what llama.cpp itself makes of each chunk size."""
    speeds = llama_bench(model, threads, prompt_sizes=",".join(map(str, sizes)), gen=0,
                         repetitions=1)
    return {size: float(speed) for size, speed in speeds["ppTokensPerSecond"].items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--chunks", default=f"32,64,{EVAL_CHUNK},256,512")
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cancels", type=int, default=3)
    parser.add_argument("--cancel-after", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=0, help="0: the engine's default")
    add_load_arguments(parser)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    model = resolve_model(args.model)
    threads = args.threads or default_threads()
    chunks = [int(size) for size in args.chunks.split(",")]
    report: dict[str, Any] = {**header("prompt_speed"), "model": model.name, "threads": threads,
                              "promptTokens": args.prompt_tokens, "engineChunk": EVAL_CHUNK}
    with cpu_load(args.load, args.load_max_seconds) as load:
        backends = {size: LlamaBackend(model, threads=threads, context_size=2048, eval_chunk=size)
                    for size in chunks}
        systems: list[int | str] = ["llama-bench", *chunks]
        reads: dict[str, list[dict[str, Any]]] = {str(system): [] for system in systems}
        run = 0
        for round_index in range(args.rounds):
            shift = round_index % len(systems)
            for system in systems[shift:] + systems[:shift]:
                if system == "llama-bench":
                    by_size = bench_speeds(model, threads, sorted({*chunks, args.prompt_tokens}))
                    speed = by_size[str(args.prompt_tokens)]
                    reads[system].append({"round": round_index, "tokensPerSecond": round(speed, 2),
                                          "ppBySize": by_size})
                else:
                    run += 1
                    backend = backends[int(system)]
                    result, _ = read(backend, prompt_text(backend, run, args.prompt_tokens))
                    speed = result.evaluated_tokens / result.prompt_seconds
                    reads[str(system)].append({"round": round_index, "tokens": result.evaluated_tokens,
                                               "seconds": round(result.prompt_seconds, 3),
                                               "tokensPerSecond": round(speed, 2)})
                log(f"round {round_index} {system}: {speed:.1f} tok/s")
        cancels: dict[int, list[dict[str, Any]]] = {size: [] for size in chunks}
        for _ in range(args.cancels):
            for size in chunks:
                run += 1
                backend = backends[size]
                result, latency = read(backend, prompt_text(backend, run, args.prompt_tokens),
                                       cancel_after=args.cancel_after)
                cancels[size].append({
                    "stopReason": result.stop_reason,
                    "cancelToReturnMs": round(1000 * latency, 1) if latency is not None else None,
                    "tokensKept": result.evaluated_tokens,
                })
                log(f"cancel chunk {size}: {cancels[size][-1]}")
        for backend in backends.values():
            backend.close()
    report["load"] = load.describe()
    bench_by_round = {row["round"]: row["tokensPerSecond"] for row in reads["llama-bench"]}
    report["llamaBench"] = {f"pp{args.prompt_tokens}": summary(list(bench_by_round.values()), 1),
                            "reads": reads["llama-bench"]}
    report["chunks"] = {
        str(size): {
            "tokensPerSecond": summary([row["tokensPerSecond"] for row in reads[str(size)]], 1),
            "overLlamaBenchSameRound": summary(
                [row["tokensPerSecond"] / bench_by_round[row["round"]] for row in reads[str(size)]], 3),
            "llamaBenchPpOverPpPrompt": summary(
                [row["ppBySize"][str(size)] / row["tokensPerSecond"] for row in reads["llama-bench"]
                 if str(size) in row["ppBySize"]], 3),
            "cancelToReturnMs": summary([row["cancelToReturnMs"] for row in cancels[size]
                                         if row["cancelToReturnMs"] is not None], 1),
            "cancelsThatStopped": sum(row["stopReason"] == "cancelled" for row in cancels[size]),
            "reads": reads[str(size)],
            "cancels": cancels[size],
        }
        for size in chunks
    }
    emit(report, args.json_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
