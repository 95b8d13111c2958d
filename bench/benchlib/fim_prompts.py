"""Mid-file FIM prompts from real sources, for benches that compare two engines.

``add_prompt_arguments`` gives such a bench its common options, ``prompts_for`` the
prompts they select, ``generate`` one greedy completion in-process.  Each prompt cuts
a real file (``benchlib/sources.py``) at the start of a line inside a function body:
``prefix_lines`` above, ``suffix_lines`` below, in Qwen2.5-Coder's FIM markers, the cut
line's indentation already typed.  The same seed gives the same cuts.
"""

from __future__ import annotations

import argparse
import random
import threading
from pathlib import Path
from typing import Any

from benchlib.sources import source_file
from ghost_ls.engine.backend import GenerationRequest, GenerationResult, Prompt
from ghost_ls.engine.llama import LlamaBackend

DEFAULT_FILES = ",".join([  # three of bench/typing_replay.py's sources
    "requests==2.32.3:requests/sessions.py",
    "click==8.1.7:click/parser.py",
    "npm:immer@10.1.1:src/plugins/patches.ts",
])


def cut_points(lines: list[str], count: int, rng: random.Random) -> list[int]:
    """Lines inside function bodies (indented, code, not the first of the file's 40%)."""
    start = int(len(lines) * 0.4)
    candidates = [i for i in range(start, len(lines) - 1)
                  if lines[i].startswith((" ", "\t")) and lines[i].strip()
                  and not lines[i].strip().startswith(("#", "//", "*", '"""'))]
    return sorted(rng.sample(candidates, min(count, len(candidates))))


def fim_prompts(files: str, per_file: int, prefix_lines: int, suffix_lines: int,
                seed: int) -> list[dict[str, Any]]:
    """``per_file`` prompts from each of the comma-separated source ``files``."""
    rng = random.Random(seed)
    prompts = []
    for spec in (s for s in files.split(",") if s):
        lines = source_file(spec).read_text(encoding="utf-8").split("\n")
        for row in cut_points(lines, per_file, rng):
            indent = lines[row][: len(lines[row]) - len(lines[row].lstrip())]
            prefix = "\n".join(lines[max(0, row - prefix_lines) : row]) + "\n" + indent
            suffix = "\n" + "\n".join(lines[row + 1 : row + 1 + suffix_lines])
            text = f"<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>"
            prompts.append({"file": spec, "line": row + 1, "text": text})
    return prompts


def add_prompt_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every engine A/B bench shares: model, prompts, generation, output."""
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--files", default=DEFAULT_FILES)
    parser.add_argument("--per-file", type=int, default=8)
    parser.add_argument("--prefix-lines", type=int, default=60)
    parser.add_argument("--suffix-lines", type=int, default=20)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json-out", type=Path)


def prompts_for(args: argparse.Namespace) -> list[dict[str, Any]]:
    return fim_prompts(args.files, args.per_file, args.prefix_lines, args.suffix_lines, args.seed)


def generate(backend: LlamaBackend, text: str, max_tokens: int) -> GenerationResult:
    """One greedy completion of ``text`` (after whatever the backend has cached)."""
    request = GenerationRequest(Prompt(text), max_tokens=max_tokens, cancel=threading.Event())
    return backend.generate(request)
