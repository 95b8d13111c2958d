"""llama.cpp threads on a busy machine: 1 vs 2 threads, OpenMP wait policy, 0-2 busy processes.

Prints JSON.  For each load level (``--loads``: that many busy processes beside the
benchmark, ``benchlib/load.py``), each round runs one child process per OpenMP wait
policy (``--policies``; ``OMP_WAIT_POLICY`` is read when the library loads, so each
policy needs its own process), and each child measures every thread count
(``--threads``, in an order that alternates by round) on the same prompt: the prompt
read from an empty KV cache in chunks of ``--chunk`` tokens (default: the engine's
``engine/llama.py`` ``EVAL_CHUNK``; the 2026-12-06 run used 32, its value then), then
``--generate`` greedy tokens.  The summary gives, per load level, policy and thread
count, the median prompt tokens/s and milliseconds per generated token with their
spread, and each configuration's ratio to the engine's current choice (``default``:
``threads=0`` picks from the machine, with the library's default wait policy).

    .venv/bin/python bench/threads_load.py --json-out bench/results/DATE-threads-load.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from benchlib.load import cpu_load  # noqa: E402
from ghost_ls.engine.llama import EVAL_CHUNK  # noqa: E402

PROMPT_SOURCE = BENCH.parent / "server" / "ghost_ls" / "engine" / "streaming.py"


def child(args: argparse.Namespace) -> None:
    """One process, one wait policy: every thread count on the same prompt; JSON lines out."""
    import llama_cpp

    from ghost_ls.engine.llama_loading import default_threads
    from ghost_ls.models.store import resolve_model

    path, _ = resolve_model(args.model)
    threads = [int(t) for t in args.threads.split(",")]
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=2048, n_threads=max(threads),
                          n_threads_batch=max(threads), verbose=False)
    tokens = llm.tokenize(PROMPT_SOURCE.read_text().encode())[: args.prompt_tokens]
    order = threads if args.round % 2 == 0 else list(reversed(threads))
    for count in order:
        llama_cpp.llama_set_n_threads(llm._ctx.ctx, count, count)
        llm.reset()
        llm._ctx.kv_cache_clear()
        started = time.perf_counter()
        for start in range(0, len(tokens), args.chunk):
            llm.eval(tokens[start : start + args.chunk])
        prompt_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(args.generate):
            token = int(llm.sample(temp=0.0))
            llm.eval([token])
        generate_seconds = time.perf_counter() - started
        print(json.dumps({
            "threads": count,
            "defaultThreads": default_threads(),
            "promptTokensPerSecond": round(len(tokens) / prompt_seconds, 2),
            "msPerToken": round(generate_seconds * 1000 / args.generate, 2),
        }), flush=True)


def run_child(args: argparse.Namespace, policy: str, round_index: int) -> list[dict[str, Any]]:
    env = dict(os.environ)
    env.pop("OMP_WAIT_POLICY", None)
    if policy != "default":
        env["OMP_WAIT_POLICY"] = policy.upper()
    command = [sys.executable, __file__, "--child", "--model", args.model, "--threads", args.threads,
               "--prompt-tokens", str(args.prompt_tokens), "--generate", str(args.generate),
               "--chunk", str(args.chunk),
               "--round", str(round_index)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=args.child_timeout)
    if done.returncode != 0:
        raise RuntimeError(f"child failed ({done.returncode}): {done.stderr[-2000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def spread(values: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2)}


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per load level: each (policy, threads) and its ratio to the engine's default."""
    summary: dict[str, Any] = {}
    for load in sorted({row["load"] for row in rows}):
        at_load = [row for row in rows if row["load"] == load]
        default_threads = at_load[0]["defaultThreads"]
        base = {row["round"]: row for row in at_load
                if row["policy"] == "default" and row["threads"] == default_threads}
        configs: dict[str, Any] = {}
        for policy in sorted({row["policy"] for row in at_load}):
            for count in sorted({row["threads"] for row in at_load}):
                mine = [row for row in at_load if row["policy"] == policy and row["threads"] == count]
                paired = [row for row in mine if row["round"] in base]
                configs[f"{policy}/{count}"] = {
                    "promptTokensPerSecond": spread([row["promptTokensPerSecond"] for row in mine]),
                    "msPerToken": spread([row["msPerToken"] for row in mine]),
                    "promptSpeedOverDefault": spread(
                        [row["promptTokensPerSecond"] / base[row["round"]]["promptTokensPerSecond"]
                         for row in paired]),
                    "tokenTimeOverDefault": spread(
                        [row["msPerToken"] / base[row["round"]]["msPerToken"] for row in paired]),
                }
        summary[f"load{load}"] = {"default": f"default/{default_threads}", "configs": configs}
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--loads", default="0,1,2", help="busy processes beside it, one level per value")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--policies", default="default,passive", help="OMP_WAIT_POLICY values")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prompt-tokens", type=int, default=256)
    parser.add_argument("--generate", type=int, default=16)
    parser.add_argument("--chunk", type=int, default=EVAL_CHUNK, help="prompt tokens per decode")
    parser.add_argument("--child-timeout", type=float, default=600)
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--round", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    rows: list[dict[str, Any]] = []
    loads: list[dict[str, Any]] = []
    for load in [int(n) for n in args.loads.split(",")]:
        with cpu_load(load, max_seconds=3600) as made:
            for round_index in range(args.rounds):
                policies = args.policies.split(",")
                if round_index % 2:
                    policies.reverse()
                for policy in policies:
                    for row in run_child(args, policy, round_index):
                        rows.append({**row, "load": load, "policy": policy, "round": round_index})
        loads.append(made.describe())
    report = {
        "benchmark": "threads_load",
        "date": time.strftime("%Y-%m-%d"),
        "model": args.model,
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "promptTokens": args.prompt_tokens,
        "chunk": args.chunk,
        "generatedTokens": args.generate,
        "rounds": args.rounds,
        "loads": loads,
        "summary": summarize(rows),
        "rows": rows,
    }
    text = json.dumps(report, indent=1)
    if args.json_out:
        args.json_out.write_text(text + "\n")
    print(text)


def _cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


if __name__ == "__main__":
    main()
