"""HumanEval infilling pass@1: ghost-ls against a plain-window baseline, same model, same run.

What it measures: for each task of HumanEval single-line and multi-line infilling
(``../shared/bench``, MIT; fields prompt, suffix, canonical_solution, test,
entry_point) the document is ``prompt`` + an empty line + ``suffix``, with the cursor
on the empty line (where an editor user who just pressed Enter would be).

- ``ghost``: ghost-ls' real ContextBuilder builds the PromptContext at the cursor and
  ghost-ls' Completer (with ModelHost: the server's code path, in-process) generates,
  stops and cleans the suggestion;
- ``plain``: the same model and stop rule, prompted with only the last
  ``--window-lines`` lines of the prefix (what llama.vim-style tools send to a model
  without FIM tokens), raw text;
- ``plain+cleanup``: the plain text passed through ghost-ls' clean-up (no extra model
  call): separates what the prompt buys from what the clean-up buys.

Single-line tasks keep the first line of each suggestion ("first line kept"); multi-line
tasks keep the whole suggestion.  Each program (prompt + suggestion + suffix + test +
``check(entry_point)``) runs in a subprocess in a temp dir, killed after ``--timeout``
seconds; pass@1 is the fraction that exits 0 (greedy decoding, one sample).  The
canonical solutions run through the same harness as a check of the harness.  The
embedded Gemma model has no FIM tokens: the suffix only feeds ghost-ls' own logic
(stop rules, overlap removal).

Run:  .venv/bin/python bench/humaneval.py --json-out bench/out/humaneval.json
      (--limit N for both subsets, default 100 single-line and 50 multi-line tasks,
       chosen with --seed; --subsets single,multi; --model NAME|PATH.gguf)
JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
from pathlib import Path
from typing import Any

from benchlib.common import ROOT, emit, header, log, ratio, summary
from benchlib.execute import run_program
from benchlib.inprocess import Ghost
from ghost_ls.postprocess.cleanup import clean

DATA = ROOT.parent / "shared" / "bench"
FILES = {"single": "HumanEval-SingleLineInfilling.jsonl.gz",
         "multi": "HumanEval-MultiLineInfilling.jsonl.gz"}
DEFAULT_LIMITS = {"single": 100, "multi": 50}
SYSTEMS = ("ghost", "plain", "plain+cleanup")


def load_tasks(subset: str, limit: int, seed: int, data: Path) -> list[dict[str, Any]]:
    """A deterministic sample of ``limit`` tasks (in dataset order)."""
    with gzip.open(data / FILES[subset], "rt", encoding="utf-8") as stream:
        tasks = [json.loads(line) for line in stream if line.strip()]
    chosen = sorted(random.Random(f"{seed}:{subset}").sample(range(len(tasks)),
                                                              min(limit, len(tasks))))
    return [tasks[index] for index in chosen]


def program(task: dict[str, Any], middle: str) -> str:
    middle = middle if middle.endswith("\n") or not middle else middle + "\n"
    return (f"{task['prompt']}{middle}{task['suffix']}\n{task['test']}\n"
            f"check({task['entry_point']})\n")


def keep(text: str, subset: str) -> str:
    return text.split("\n", 1)[0] if subset == "single" else text


def window(prefix: str, lines: int) -> str:
    return "\n".join(prefix.split("\n")[-lines:])


def run_task(ghost: Ghost, task: dict[str, Any], subset: str, number: int,
             args: argparse.Namespace) -> dict[str, Any]:
    prompt = task["prompt"] if task["prompt"].endswith("\n") else task["prompt"] + "\n"
    document = prompt + "\n" + task["suffix"]
    line = prompt.count("\n")
    context = ghost.context(f"file:///humaneval/{subset}/{number}/main.py", document, line, 0)
    row: dict[str, Any] = {"task": task["task_id"]}
    if context is None:
        raise SystemExit(f"no context for {task['task_id']}")
    row["mode"] = context.mode.value
    outputs = {}
    generated = ghost.complete(context)
    outputs["ghost"] = generated.text
    row["ghost"] = generated.as_row()
    plain = ghost.plain(window(context.prefix, args.window_lines), context)
    outputs["plain"] = plain.text
    outputs["plain+cleanup"] = clean(plain.text, context).text
    row["plain"] = plain.as_row()
    for system in SYSTEMS:
        middle = keep(outputs[system], subset)
        passed, reason = run_program(program(task, middle), args.timeout)
        row.setdefault("results", {})[system] = {"passed": passed, "reason": reason,
                                                 "text": middle[:300]}
    return row


def sign_test(wins: int, losses: int) -> float | None:
    """Two-sided exact sign test p-value for paired pass/fail differences."""
    n = wins + losses
    if n == 0:
        return None
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return round(min(1.0, 2 * tail), 4)


def score(rows: list[dict[str, Any]], canonical: list[bool]) -> dict[str, Any]:
    n = len(rows)
    out: dict[str, Any] = {"n": n, "canonicalPassRate": ratio(sum(canonical), len(canonical))}
    for system in SYSTEMS:
        passed = sum(1 for row in rows if row["results"][system]["passed"])
        out[system] = {"passed": passed, "passAt1": ratio(passed, n)}
    for system in ("ghost", "plain"):
        out[system]["secondsPerTask"] = summary([row[system]["seconds"] for row in rows], 3)
        out[system]["generatedTokens"] = summary(
            [row[system]["generatedTokens"] for row in rows], 1)
        reasons: dict[str, int] = {}
        for row in rows:
            reasons[row[system]["stopReason"]] = reasons.get(row[system]["stopReason"], 0) + 1
        out[system]["stopReasons"] = reasons
    wins = sum(1 for r in rows if r["results"]["ghost"]["passed"]
               and not r["results"]["plain"]["passed"])
    losses = sum(1 for r in rows if r["results"]["plain"]["passed"]
                 and not r["results"]["ghost"]["passed"])
    out["paired"] = {"ghostOnly": wins, "plainOnly": losses, "signTestP": sign_test(wins, losses)}
    out["ghostMinusPlain"] = round(out["ghost"]["passAt1"] - out["plain"]["passAt1"], 3) if n else None
    modes: dict[str, int] = {}
    for row in rows:
        modes[row["mode"]] = modes.get(row["mode"], 0) + 1
    out["modes"] = modes
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="gemma3-270m")
    parser.add_argument("--subsets", default="single,multi")
    parser.add_argument("--limit", type=int, help="tasks per subset (default 100 / 50)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--window-lines", type=int, default=60)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per program")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--rows", action="store_true", help="include per-task rows")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    ghost = Ghost(args.model, max_tokens=args.max_tokens, threads=args.threads)
    result = header("humaneval")
    result["model"] = {"name": args.model, "promptFormat": ghost.prompt_format,
                       "path": ghost.backend.info().model_path}
    result["settings"] = {k: str(v) if isinstance(v, Path) else v
                          for k, v in vars(args).items() if k != "json_out"}
    try:
        for subset in (s for s in args.subsets.split(",") if s):
            tasks = load_tasks(subset, args.limit or DEFAULT_LIMITS[subset], args.seed, args.data)
            canonical = [run_program(program(t, t["canonical_solution"]), args.timeout)[0]
                         for t in tasks]
            rows = []
            for number, task in enumerate(tasks):
                rows.append(run_task(ghost, task, subset, number, args))
                passed = {s: int(rows[-1]["results"][s]["passed"]) for s in SYSTEMS}
                log(f"{subset} {number + 1}/{len(tasks)} {task['task_id']} {passed}")
            result[subset] = score(rows, canonical)
            if args.rows:
                result[subset]["rows"] = rows
    finally:
        ghost.close()
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
