"""Mid-file FIM prompts from real sources, for benches that compare two engines.

Each prompt cuts a real file (``benchlib/sources.py``) at the start of a line inside a
function body: ``prefix_lines`` above, ``suffix_lines`` below, in Qwen2.5-Coder's FIM
markers, the cut line's indentation already typed.  The same seed gives the same cuts.
"""

from __future__ import annotations

import random
from typing import Any

from benchlib.sources import source_file

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
