"""HumanEval infilling pass@1 through the LSP: ghost-ls against the plain FIM server.

What it measures: for each task of HumanEval single-line and multi-line infilling
(``../shared/bench``, MIT; fields prompt, suffix, canonical_solution, test,
entry_point) the document is ``prompt`` + an empty line + ``suffix``, with the cursor
at column 0 of the empty line (where an editor user who just pressed Enter would be).
Both systems are language servers driven over stdio exactly as an editor drives them:
``didOpen``, one ``textDocument/inlineCompletion`` (trigger kind Automatic), the first
item applied to the document over its range, ``didClose``.

- ``ghost``: ``ghost-ls serve`` with the model under test;
- ``plain``: ``bench/baselines/naive_server.py`` on the same model file: the simplest
  FIM server one can write — ``<pre>`` the 60 lines above ``<suf>`` the 20 lines
  below ``<mid>``, the KV cache reset for every request, greedy.  On single-line tasks
  it stops at the first newline; on multi-line tasks it is left to end the middle
  itself (end-of-generation or ``--multi-max-tokens``, 128, which ghost-ls then gets as
  its ``maxTokens`` too).  For a model without FIM tokens it sends the 60 lines above
  alone.

The two systems take turns going first (task by task), so drift in the machine's speed
is shared.  Each program (document with the suggestion + test + ``check(entry_point)``)
runs in a subprocess, killed after ``--timeout`` seconds; pass@1 is the fraction that
exits 0.  The canonical solutions run through the same harness as a check of it.  The
result has, per subset, pass@1 and latency for both, the paired sign test, and every
task on which the two differ (with both texts): read those before changing anything,
and never tune on single tasks.

Run:  .venv/bin/python bench/humaneval.py --model qwen2.5-coder-1.5b-instruct \\
          --json-out bench/results/DATE-humaneval-lsp-MODEL.json
      (--limit N per subset, default 100 single-line and 50 multi-line tasks chosen
       with --seed; --subsets single,multi)
JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from benchlib.common import BENCH, ROOT, emit, header, log, ratio, resolve_model, sign_test, summary
from benchlib.execute import run_program
from benchlib.load import add_load_arguments, cpu_load
from ghost_ls.context.text import utf16_to_index
from ghost_ls.devtools.lsp_client import LspClient

DATA = ROOT.parent / "shared" / "bench"
FILES = {"single": "HumanEval-SingleLineInfilling.jsonl.gz",
         "multi": "HumanEval-MultiLineInfilling.jsonl.gz"}
DEFAULT_LIMITS = {"single": 100, "multi": 50}
BASELINE = "plain"


def load_tasks(subset: str, limit: int, seed: int, data: Path) -> list[dict[str, Any]]:
    """A deterministic sample of ``limit`` tasks (in dataset order)."""
    with gzip.open(data / FILES[subset], "rt", encoding="utf-8") as stream:
        tasks = [json.loads(line) for line in stream if line.strip()]
    chosen = sorted(random.Random(f"{seed}:{subset}").sample(range(len(tasks)),
                                                              min(limit, len(tasks))))
    return [tasks[index] for index in chosen]


def document_of(task: dict[str, Any], cursor: str = "column0") -> tuple[str, int, int]:
    """The document an editor would hold, the cursor's line and its column.

    ``column0``: the cursor line is empty; ``indent``: it holds the indentation of the
    solution's first line and the cursor is after it (what an auto-indenting editor
    leaves after Enter).
    """
    prompt = task["prompt"] if task["prompt"].endswith("\n") else task["prompt"] + "\n"
    first = task["canonical_solution"].split("\n", 1)[0]
    indent = first[: len(first) - len(first.lstrip(" \t"))] if cursor == "indent" else ""
    return prompt + indent + "\n" + task["suffix"], prompt.count("\n"), len(indent)


def apply_item(text: str, item: dict[str, Any] | None, line: int) -> str:
    """``text`` with an inline-completion item applied over its range (at the cursor if none)."""
    if not item:
        return text
    lines = text.split("\n")
    span = item.get("range") or {"start": {"line": line, "character": 0},
                                 "end": {"line": line, "character": 0}}
    start, end = span["start"], span["end"]
    head = lines[start["line"]][: utf16_to_index(lines[start["line"]], start["character"])]
    tail = lines[end["line"]][utf16_to_index(lines[end["line"]], end["character"]):]
    insert = item.get("insertText", "")
    if isinstance(insert, dict):
        insert = insert.get("value", "")
    lines[start["line"]: end["line"] + 1] = (head + insert + tail).split("\n")
    return "\n".join(lines)


def program(document: str, task: dict[str, Any]) -> str:
    return f"{document}\n{task['test']}\ncheck({task['entry_point']})\n"


class System:
    """One language server under test and how to ask it for a completion."""

    def __init__(self, name: str, command: list[str], options: dict[str, Any], ready: bool) -> None:
        self.name = name
        self.anchored = options.get("promptLayout") == "anchored"
        self.client = LspClient(command)
        self.client.initialize(options)
        if ready:
            status = self.client.wait_ready(600)
            if status["params"]["kind"] != "ready":
                raise SystemExit(f"{name} did not load its model: {status['params']}")

    def complete(self, uri: str, text: str, line: int, column: int = 0,
                 history_lines: int = 0) -> tuple[dict[str, Any] | None, float]:
        """The first item for the cursor at (line, column), and the seconds it took.

        ``history_lines``: first ask at the start of the line that many lines above and
        wait for the answer, as if the user had typed from there (the ``anchored``
        prompt layout keeps that line as its anchor); not timed.
        """
        self.client.open(uri, text, "python", 1)
        if history_lines and line - history_lines >= 0:
            self.client.inline(uri, line - history_lines, 0, timeout=600)
        started = time.perf_counter()
        try:
            result = self.client.inline(uri, line, column, timeout=600)
        finally:
            seconds = time.perf_counter() - started
            self.client.close_document(uri)
        items = (result or {}).get("items") or [] if isinstance(result, dict) else result or []
        return (items[0] if items else None), seconds

    def status(self) -> dict[str, Any]:
        method = "ghost/status" if self.name == "ghost" else "naive/status"
        answer: dict[str, Any] = self.client.request(method, None, timeout=60)
        return answer

    def close(self) -> None:
        self.client.close()


def ghost_systems(args: argparse.Namespace) -> dict[str, System]:
    """``ghost`` (with ``--ghost-settings``) and one ``ghost-NAME`` per ``--ghost-variant``."""
    # threads and timeoutMs stay ghost-ls' own, as a user gets them (threads: 0 picks
    # them from the load; the time budget is what a busy machine meets first);
    # --ghost-settings may set them, as any other setting
    base = {"model": args.model, "maxTokens": args.max_tokens, "indexWorkspace": False,
            **json.loads(args.ghost_settings)}
    variants = {"ghost": base}
    for spec in args.ghost_variant:
        name, _, settings = spec.partition("=")
        variants[f"ghost-{name}"] = {**base, **json.loads(settings)}
    return {name: System(name, [sys.executable, "-m", "ghost_ls", "serve"], options, ready=True)
            for name, options in variants.items()}


def plain_system(args: argparse.Namespace, subset: str) -> System:
    model = resolve_model(args.model)
    command = [sys.executable, str(BENCH / "baselines" / "naive_server.py"), "--model", str(model),
               "--threads", str(args.threads), "--window-lines", "60", "--suffix-lines", "20"]
    if subset == "single":
        command += ["--stop-at-newline", "--max-tokens", str(args.max_tokens)]
    else:
        command += ["--max-tokens", str(args.multi_max_tokens)]
    return System("plain", command, {}, ready=False)


def run_subset(subset: str, systems: dict[str, System], args: argparse.Namespace) -> dict[str, Any]:
    tasks = load_tasks(subset, args.limit or DEFAULT_LIMITS[subset], args.seed, args.data)
    if args.first:  # the start of a larger sample: the same tasks as that run's first rows
        tasks = tasks[: args.first]
    canonical = []
    rows: list[dict[str, Any]] = []
    for number, task in enumerate(tasks):
        text, line, column = document_of(task, args.cursor)
        lines = text.split("\n")
        lines[line] = task["canonical_solution"].rstrip("\n")
        canonical.append(run_program(program("\n".join(lines), task), args.timeout)[0])
        row: dict[str, Any] = {"task": task["task_id"], "results": {}}
        names = list(systems)
        shift = number % len(names)
        order = names[shift:] + names[:shift]  # each system goes first in turn
        for name in order:
            uri = f"file:///humaneval/{subset}/{number}/{name}/main.py"
            # only the anchored layout remembers where the user started typing
            history = args.history_lines if systems[name].anchored else 0
            before = systems[name].status() if name != BASELINE else {}
            item, seconds = systems[name].complete(uri, text, line, column, history)
            completed = apply_item(text, item, line)
            passed, reason = run_program(program(completed, task), args.timeout)
            inserted = (item or {}).get("insertText", "")
            row["results"][name] = {"passed": passed, "reason": reason, "seconds": round(seconds, 3),
                                    "text": inserted if isinstance(inserted, str) else str(inserted)}
            if name != BASELINE:  # the engine's own account: its threads, a budget's end
                after = systems[name].status()
                row["results"][name].update(
                    threads=after.get("lastThreads"),
                    timedOut=bool(after.get("timeouts", 0) - before.get("timeouts", 0)))
        rows.append(row)
        log(f"{subset} {number + 1}/{len(tasks)} {task['task_id']} "
            + " ".join(f"{name}={int(row['results'][name]['passed'])}" for name in systems))
    scores = score(rows, canonical, list(systems))
    if args.rows:
        scores["rows"] = rows
    return scores


def score(rows: list[dict[str, Any]], canonical: list[bool], systems: list[str]) -> dict[str, Any]:
    """pass@1 and latency per system; each ghost system paired with the plain server.

    ``ghost``'s comparison sits at the top level (``paired``, ``ghostMinusPlain``,
    ``latencyRatioP50``, ``differences``); each ``ghost-NAME`` variant's under
    ``variants``.
    """
    n = len(rows)
    out: dict[str, Any] = {"n": n, "canonicalPassRate": ratio(sum(canonical), len(canonical))}
    for system in systems:
        passed = sum(1 for row in rows if row["results"][system]["passed"])
        seconds = [row["results"][system]["seconds"] for row in rows]
        out[system] = {"passed": passed, "passAt1": ratio(passed, n), "seconds": summary(seconds, 3)}
        if system != BASELINE:
            out[system]["timedOut"] = sum(1 for row in rows if row["results"][system].get("timedOut"))
    for system in (name for name in systems if name != BASELINE):
        target = out if system == "ghost" else out.setdefault("variants", {}).setdefault(system, {})
        target.update(compare(rows, out, system))
    return out


def compare(rows: list[dict[str, Any]], out: dict[str, Any], system: str) -> dict[str, Any]:
    """One system against the plain server on the same tasks."""
    def passed(row: dict[str, Any], name: str) -> bool:
        return bool(row["results"][name]["passed"])

    wins = [r for r in rows if passed(r, system) and not passed(r, BASELINE)]
    losses = [r for r in rows if passed(r, BASELINE) and not passed(r, system)]
    return {
        "paired": {"ghostOnly": len(wins), "plainOnly": len(losses),
                   "signTestP": sign_test(len(wins), len(losses))},
        "ghostMinusPlain": (round(out[system]["passAt1"] - out[BASELINE]["passAt1"], 3)
                            if rows else None),
        "latencyRatioP50": ratio(out[system]["seconds"]["p50"], out[BASELINE]["seconds"]["p50"]),
        "differences": [
            {"task": r["task"], "ghostPassed": passed(r, system),
             "ghost": r["results"][system]["text"][:200],
             "plain": r["results"][BASELINE]["text"][:200],
             "ghostReason": r["results"][system]["reason"],
             "plainReason": r["results"][BASELINE]["reason"]}
            for r in wins + losses
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--subsets", default="single,multi")
    parser.add_argument("--limit", type=int, help="tasks per subset (default 100 / 50)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--multi-max-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2,
                        help="llama.cpp threads of the plain server (ghost-ls: see --ghost-settings)")
    parser.add_argument("--first", type=int, default=0, help="run only the first N tasks of "
                        "the sample (--limit), so a shorter run shares a longer one's tasks")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per program")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--rows", action="store_true", help="include per-task rows")
    parser.add_argument("--cursor", choices=["column0", "indent"], default="column0",
                        help="cursor at column 0 of the empty line, or after the solution's "
                             "indentation typed on it (what an auto-indenting editor leaves)")
    parser.add_argument("--ghost-settings", default="{}",
                        help="JSON merged into ghost-ls' settings, e.g. '{\"promptLayout\": \"line\"}'")
    parser.add_argument("--ghost-variant", action="append", default=[], metavar="NAME=JSON",
                        help="also run ghost-ls with these settings as system ghost-NAME")
    parser.add_argument("--history-lines", type=int, default=0,
                        help="systems with promptLayout anchored first get a request K lines "
                             "above (waited for, not timed), as if the user had typed from there")
    add_load_arguments(parser)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    result = header("humaneval-lsp")
    result["settings"] = {k: str(v) if isinstance(v, Path) else v
                          for k, v in vars(args).items() if k != "json_out"}
    with cpu_load(args.load, args.load_max_seconds) as load:
        ghosts = ghost_systems(args)
        try:
            status = ghosts["ghost"].status()
            result["model"] = {"name": args.model, "promptFormat": status.get("promptFormat"),
                               "path": status.get("modelPath")}
            for subset in (s for s in args.subsets.split(",") if s):
                tokens = args.max_tokens if subset == "single" else args.multi_max_tokens
                for ghost in ghosts.values():
                    ghost.client.change_settings({"maxTokens": tokens})
                plain = plain_system(args, subset)
                try:
                    result[subset] = run_subset(subset, {**ghosts, BASELINE: plain}, args)
                finally:
                    plain.close()
        finally:
            for ghost in ghosts.values():
                ghost.close()
    result["load"] = load.describe()
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
