"""Does speculative decoding pay on this CPU?  llama-server with and without drafts.

Speculative decoding may pay in two forms: a draft model (Qwen2.5-Coder
0.5B for the 1.5B: the same tokenizer) and n-gram drafts.  Before building either into
ghost-ls' engine, this asks llama.cpp's own implementation, which is the best a user
could configure: one llama-server per system, all started up front (an idle server
uses no CPU), the same FIM requests sent to each in turn, the order rotated per task.

Systems (``--systems``):
- ``plain``: the 1.5B alone;
- ``draft3`` / ``draft8``: the 0.5B drafting up to 3 (llama.cpp's default) / 8 tokens
  (``-md``, ``--spec-type draft-simple``, ``--spec-draft-n-max``);
- ``ngram``: n-gram drafts from the context (``--spec-type ngram-simple``), no second model.

Requests: HumanEval multi-line infilling tasks (``../shared/bench``) as plain PSM FIM
prompts (``<|fim_prefix|>`` prompt ``<|fim_suffix|>`` suffix ``<|fim_middle|>``), greedy,
up to ``--tokens`` tokens, no prompt cache, so every system reads the same prompt and
generates the same text (mismatches are counted: greedy drafting must not change it).
Reported per system: generation tok/s (llama-server's ``predicted_per_second``) and
request wall time, medians and spread, the ratio to ``plain`` per task (median), and
drafted / accepted tokens.

Run:  .venv/bin/python bench/speculative_server.py --json-out bench/results/DATE-speculative-server.json
Prints one JSON object on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchlib.common import emit, header, log, ratio, summary
from benchlib.llamacpp import LlamaServer
from ghost_ls.models.store import resolve_model
from humaneval import DATA, load_tasks

SYSTEMS = ("plain", "draft3", "draft8", "ngram")


def server_flags(system: str, draft: Path, threads: int) -> list[str]:
    """llama-server's flags for ``system`` on top of the common ones."""
    drafting = ["-md", str(draft), "--spec-type", "draft-simple", "-td", str(threads), "-tbd", str(threads)]
    return {
        "plain": [],
        "draft3": [*drafting, "--spec-draft-n-max", "3"],
        "draft8": [*drafting, "--spec-draft-n-max", "8"],
        "ngram": ["--spec-type", "ngram-simple"],
    }[system]


def fim_prompt(task: dict[str, Any]) -> str:
    return f"<|fim_prefix|>{task['prompt']}<|fim_suffix|>{task['suffix']}<|fim_middle|>"


def complete(server: LlamaServer, prompt: str, tokens: int) -> tuple[float, dict[str, Any]]:
    body = {"prompt": prompt, "n_predict": tokens, "temperature": 0, "cache_prompt": False}
    request = urllib.request.Request(server.url("/completion"), data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        answer: dict[str, Any] = json.load(response)
    return time.perf_counter() - started, answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--draft-model", default="qwen2.5-coder-0.5b-instruct")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--tasks", type=int, default=20, help="HumanEval multi-line tasks")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    systems = [name.strip() for name in args.systems.split(",") if name.strip()]
    unknown = set(systems) - set(SYSTEMS)
    if unknown or "plain" not in systems:
        parser.error(f"systems from {', '.join(SYSTEMS)}, plain included (unknown: {sorted(unknown)})")
    model, draft = resolve_model(args.model)[0], resolve_model(args.draft_model)[0]
    tasks = load_tasks("multi", args.tasks, args.seed, DATA)
    servers: dict[str, LlamaServer] = {}
    try:
        for name in systems:
            servers[name] = LlamaServer(model, args.threads, 4096, server_flags(name, draft, args.threads),
                                        slots=1, log_name=f"llama-server-{name}.log")
        for server in servers.values():
            server.wait_ready()
        rows: list[dict[str, Any]] = []
        for index, task in enumerate(tasks):
            order = systems[index % len(systems):] + systems[: index % len(systems)]
            row: dict[str, Any] = {"task": task["task_id"]}
            for name in order:
                seconds, answer = complete(servers[name], fim_prompt(task), args.tokens)
                timings = answer.get("timings", {})
                row[name] = {
                    "wallMs": round(seconds * 1000, 1),
                    "generated": timings.get("predicted_n", 0),
                    "tokensPerSecond": timings.get("predicted_per_second", 0.0),
                    "drafted": timings.get("draft_n", 0),
                    "accepted": timings.get("draft_n_accepted", 0),
                    "text": answer.get("content", ""),
                }
            log(f"{index + 1}/{len(tasks)} {task['task_id']}: " + ", ".join(
                f"{name} {row[name]['tokensPerSecond']:.1f} tok/s" for name in systems))
            rows.append(row)
    finally:
        for server in servers.values():
            server.close()
    result = header("speculative_server")
    result["settings"] = {"model": model.name, "draftModel": draft.name, "tasks": len(tasks),
                          "maxTokens": args.tokens, "threads": args.threads}
    result["systems"] = {}
    for name in systems:
        mine = [row[name] for row in rows]
        paired = list(zip(mine, [row["plain"] for row in rows], strict=True))
        drafted = sum(r["drafted"] for r in mine)
        accepted = sum(r["accepted"] for r in mine)
        result["systems"][name] = {
            "tokensPerSecond": summary([r["tokensPerSecond"] for r in mine], 2),
            "wallMs": summary([r["wallMs"] for r in mine], 1),
            "speedOverPlainPerTask": summary(
                [r["tokensPerSecond"] / plain["tokensPerSecond"] for r, plain in paired
                 if plain["tokensPerSecond"]], 3),
            "wallOverPlainMedian": ratio(statistics.median(r["wallMs"] for r in mine),
                                         statistics.median(row["plain"]["wallMs"] for row in rows)),
            "draftedTokens": drafted,
            "acceptedTokens": accepted,
            "acceptance": ratio(accepted, drafted) if drafted else None,
            "textDiffersFromPlain": sum(r["text"] != plain["text"] for r, plain in paired),
        }
    result["rows"] = [{k: ({kk: vv for kk, vv in v.items() if kk != "text"} if isinstance(v, dict) else v)
                       for k, v in row.items()} for row in rows]
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
