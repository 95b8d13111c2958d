"""Prompt-lookup drafts: what they buy in generation speed, and whether text changes.

What it measures: two in-process llama.cpp backends on the same model file, one with
``lookupDraftTokens`` off and one with it on (``--draft``), complete the same FIM
prompts: the middle of real files (the typing replay's default sources), cut at the
start of ``--per-file`` lines inside function bodies, ``--prefix-lines`` above and
``--suffix-lines`` below, in Qwen2.5-Coder's FIM markers (``--model`` must be one),
greedy, until the model ends the middle or ``--max-tokens``.
Interleaved (the order flips every prompt), each prompt read from scratch by both.
Reported: generation time and tokens per second (the prompt's evaluation excluded: it
is the same work for both), the paired ratio per prompt, drafted and accepted tokens
(accepted per decode step), and how many texts differ (a batch of several tokens can
round differently from one token at a time, so greedy text may change).

Run:  .venv/bin/python bench/lookup_decoding.py --json-out bench/results/DATE-lookup-decoding.json
JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from benchlib.common import emit, header, log, ratio, resolve_model, summary
from benchlib.fim_prompts import add_prompt_arguments, generate, prompts_for
from ghost_ls.engine.backend import GenerationResult
from ghost_ls.engine.llama import LlamaBackend


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    add_prompt_arguments(parser)
    parser.add_argument("--draft", type=int, default=6, help="lookupDraftTokens of the 'on' backend")
    args = parser.parse_args(argv)
    model = resolve_model(args.model)
    prompts = prompts_for(args)
    log(f"{len(prompts)} prompts; loading {model.name} twice (draft off / {args.draft})")
    backends = {
        "off": LlamaBackend(model, threads=args.threads, context_size=4096),
        "on": LlamaBackend(model, threads=args.threads, context_size=4096, draft_tokens=args.draft),
    }
    rows: list[dict[str, Any]] = []
    try:
        generate(backends["off"], prompts[0]["text"], 4)  # warm-up: first decode, page cache
        generate(backends["on"], prompts[0]["text"], 4)
        for index, prompt in enumerate(prompts):
            order = ["off", "on"] if index % 2 == 0 else ["on", "off"]
            results: dict[str, GenerationResult] = {}
            for name in order:
                generate(backends[name], "#", 1)  # a different prompt first: nothing reused
                results[name] = generate(backends[name], prompt["text"], args.max_tokens)
            off, on = results["off"], results["on"]
            rows.append({
                "file": prompt["file"], "line": prompt["line"],
                "generatedTokens": {"off": off.generated_tokens, "on": on.generated_tokens},
                "generateMs": {"off": round(off.generate_seconds * 1000, 1),
                               "on": round(on.generate_seconds * 1000, 1)},
                "drafted": on.drafted_tokens, "accepted": on.draft_accepted_tokens,
                "sameText": off.text == on.text,
            })
            log(f"{index + 1}/{len(prompts)} {prompt['file']}:{prompt['line']}: "
                f"off {rows[-1]['generateMs']['off']} ms, on {rows[-1]['generateMs']['on']} ms, "
                f"accepted {on.draft_accepted_tokens}/{on.drafted_tokens}")
    finally:
        for backend in backends.values():
            backend.close()
    result = header("lookup_decoding")
    result["config"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    result["config"]["modelPath"] = str(model)
    speed = {name: [r["generatedTokens"][name] / (r["generateMs"][name] / 1000)
                    for r in rows if r["generateMs"][name] > 0] for name in ("off", "on")}
    paired = [r["generateMs"]["on"] / r["generateMs"]["off"] for r in rows
              if r["generateMs"]["off"] > 0 and r["sameText"]]
    steps = sum(r["generatedTokens"]["on"] - r["accepted"] for r in rows)
    result["summary"] = {
        "prompts": len(rows),
        "generateMs": {name: summary([r["generateMs"][name] for r in rows]) for name in ("off", "on")},
        "tokensPerSecond": {name: summary(values) for name, values in speed.items()},
        "onOverOffGenerateMsPaired": summary(paired, 3),
        "tokensPerSecondOnOverOffP50": ratio(summary(speed["on"])["p50"], summary(speed["off"])["p50"]),
        "draftedTokens": sum(r["drafted"] for r in rows),
        "acceptedTokens": sum(r["accepted"] for r in rows),
        "acceptedPerDecodeStep": ratio(sum(r["accepted"] for r in rows), steps),
        "textsDiffering": sum(1 for r in rows if not r["sameText"]),
    }
    result["rows"] = rows
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
