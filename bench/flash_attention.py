"""Flash attention on vs off in the local engine: speed, and whether greedy text changes.

What it measures: two in-process llama.cpp backends on the same model file, one made
with ``flashAttention`` off and one with it on, complete the same mid-file FIM prompts
(``benchlib/fim_prompts.py``: real sources cut inside function bodies), greedy, until
the model ends the middle or ``--max-tokens``.  Interleaved (the order flips every
prompt), each prompt read from scratch by both.  Reported per system: prompt reading
(tokens per second over the whole prompt) and generation (milliseconds per generated
token, the prompt excluded), the paired on/off ratio of each per prompt, and how many
texts differ (the kernels sum in another order, so a greedy near-tie may flip).

Run:  .venv/bin/python bench/flash_attention.py --json-out bench/results/DATE-flash-attention.json
JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from benchlib.common import emit, header, log, resolve_model, summary
from benchlib.fim_prompts import add_prompt_arguments, generate, prompts_for
from ghost_ls.engine.backend import GenerationResult
from ghost_ls.engine.llama import LlamaBackend

SYSTEMS = ("off", "on")



def measure(result: GenerationResult) -> dict[str, Any]:
    generated = result.generated_tokens
    return {
        "promptTokens": result.evaluated_tokens,
        "promptTokensPerSecond": round(result.evaluated_tokens / result.prompt_seconds, 2)
        if result.prompt_seconds > 0 else None,
        "generatedTokens": generated,
        "generateMsPerToken": round(1000 * result.generate_seconds / generated, 2) if generated else None,
        "text": result.text,
    }


def paired(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """Per prompt: on's value over off's (only where both have one)."""
    return summary([row["on"][key] / row["off"][key] for row in rows
                    if row["on"][key] and row["off"][key]], 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    add_prompt_arguments(parser)
    args = parser.parse_args(argv)
    model = resolve_model(args.model)
    prompts = prompts_for(args)
    log(f"{len(prompts)} prompts; loading {model.name} twice (flash attention off / on)")
    backends = {name: LlamaBackend(model, threads=args.threads, context_size=4096,
                                   flash_attention=name == "on") for name in SYSTEMS}
    rows: list[dict[str, Any]] = []
    try:
        for backend in backends.values():  # warm-up: first decode, page cache
            generate(backend, prompts[0]["text"], 4)
        for index, prompt in enumerate(prompts):
            order = SYSTEMS if index % 2 == 0 else SYSTEMS[::-1]
            row: dict[str, Any] = {"file": prompt["file"], "line": prompt["line"]}
            for name in order:
                generate(backends[name], "#", 1)  # a different prompt first: nothing reused
                row[name] = measure(generate(backends[name], prompt["text"], args.max_tokens))
            row["sameText"] = row["off"]["text"] == row["on"]["text"]
            rows.append(row)
            off, on = row["off"], row["on"]
            log(f"{index + 1}/{len(prompts)} {prompt['file']}:{prompt['line']}: ms/token off "
                f"{off['generateMsPerToken']} on {on['generateMsPerToken']}, prompt tok/s off "
                f"{off['promptTokensPerSecond']} on {on['promptTokensPerSecond']}")
    finally:
        for backend in backends.values():
            backend.close()
    result = header("flash_attention")
    result["config"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    result["config"]["modelPath"] = str(model)
    result["summary"] = {
        "prompts": len(rows),
        "promptTokens": summary([row["off"]["promptTokens"] for row in rows]),
        **{name: {key: summary([row[name][key] for row in rows if row[name][key]], 2)
                  for key in ("promptTokensPerSecond", "generateMsPerToken")} for name in SYSTEMS},
        "onOverOffGenerateMsPerTokenPaired": paired(rows, "generateMsPerToken"),
        "onOverOffPromptTokensPerSecondPaired": paired(rows, "promptTokensPerSecond"),
        "textsDiffering": sum(1 for row in rows if not row["sameText"]),
    }
    result["rows"] = rows
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
