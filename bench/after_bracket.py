"""Completing right after an opening bracket: with the bracket in the prompt, or held back.

What it measures: real lines of the cold-place packages (``benchlib/cold_cases.py``:
httpx, zod, pflag, itertools), each cut right after its first ``(`` that has text after
it, the rest of the line masked.  The person has typed the line up to the bracket in
the default layout (``anchored``: the typed text after the FIM middle marker).  Each
case is completed twice by ghost-ls' own ``Completer`` in this process (the server's
code path, the full prompt, neighbour files open for snippets, greedy), once with the
bracket at the end of the prompt (how the prompt was rendered before) and once held
back for the model to write again (``engine/backend.py`` ``HELD_BACK_OPENERS``, now the
default).  Scored on the completed line: exact match, edit similarity, empty answers;
variants alternate per case; a paired sign test on exact match.

Run:  .venv/bin/python bench/after_bracket.py --per-language 6 --seed 3 --json-out bench/results/NAME.json
JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchlib.cold_cases import PACKAGES, Case, Package, extract_cases
from benchlib.common import edit_similarity, emit, header, log, summary
from fetch_sources import ensure
from ghost_ls.completer import Completer
from ghost_ls.config import Settings
from ghost_ls.context.builder import ContextBuilder
from ghost_ls.engine import templates
from ghost_ls.engine.cache import CompletionCache
from ghost_ls.engine.host import ModelHost
from ghost_ls.engine.stats import Stats

VARIANTS = ("in-prompt", "held-back")
HELD = templates.HELD_BACK_OPENERS
"""The openers ghost-ls holds back; the ``in-prompt`` variant holds back none."""


def after_first_bracket(case: Case) -> Case | None:
    """The case cut right after the first ``(`` of its line, or None (no text after one)."""
    at = case.original.find("(")
    if at < 0 or at + 1 >= len(case.original.rstrip()):
        return None
    return dataclasses.replace(case, column=at + 1, kind="after-bracket")


def complete(host: ModelHost, settings: Settings, case: Case, held_back: bool) -> tuple[str, float]:
    """The completed rest of the line, and the seconds it took."""
    templates.HELD_BACK_OPENERS = HELD if held_back else ()  # type: ignore[misc]
    builder = ContextBuilder(settings, host.backend.count_tokens)  # type: ignore[union-attr]
    builder.set_model_reads_suffix(True)
    for neighbour in case.neighbours:
        builder.did_open(neighbour.as_uri(), case.language_id, 1, neighbour.read_text(encoding="utf-8"))
    lines = case.document().split("\n")
    lines[case.line] += case.prefix
    uri = case.path.as_uri()
    builder.did_open(uri, case.language_id, 1, "\n".join(lines))
    context = builder.build(uri, case.line, len(lines[case.line]))
    assert context is not None
    context = dataclasses.replace(context, cold=None)  # the full prompt, as after a rest
    started = time.perf_counter()
    outcome = Completer(host, CompletionCache(), Stats()).generate(
        context, settings, candidates=1, cancel_event=threading.Event()
    )
    seconds = time.perf_counter() - started
    text = outcome.suggestions[0].text if outcome.suggestions else ""
    return (case.prefix + text).split("\n")[0][case.column:].rstrip(), seconds


def draw(args: argparse.Namespace) -> list[Case]:
    """The drawn lines, before the cut: per language from the packages, or from ``--local``."""
    if args.local is not None:
        package = Package("python", "local", args.local.name, "local", ".", ".py", "python")
        return extract_cases(package, args.local.resolve(), args.per_language, args.seed)
    return [case for package in PACKAGES
            for case in extract_cases(package, ensure(package, args.sources), args.per_language, args.seed)]


def sign_test(wins: int, losses: int) -> float | None:
    n = wins + losses
    if not n:
        return None
    tail = sum(math.comb(n, k) for k in range(min(wins, losses) + 1)) / 2**n
    return round(min(1.0, 2 * tail), 4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--per-language", type=int, default=6, help="lines drawn per language")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--sources", type=Path, help="bench-sources folder (default: the cache)")
    parser.add_argument("--local", type=Path, help="draw the lines from this local folder of "
                        "Python files instead (the smoke test uses the standard library's json)")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)

    settings = Settings(model=args.model, max_tokens=args.max_tokens)
    host = ModelHost(isolated=True)
    host.load(settings)
    if not host.ready:
        raise SystemExit(host.message)
    rows: list[dict[str, Any]] = []
    try:
        for drawn in draw(args):
            case = after_first_bracket(drawn)
            if case is None:
                continue
            order = VARIANTS if len(rows) % 4 == 0 else VARIANTS[::-1]
            for variant in order:
                guess, seconds = complete(host, settings, case, variant == "held-back")
                rows.append({"case": case.case_id, "language": case.language, "variant": variant,
                             "target": case.target, "guess": guess, "exact": guess == case.target,
                             "editSimilarity": round(edit_similarity(guess, case.target), 4),
                             "empty": guess == "", "seconds": round(seconds, 3)})
                log(f"{variant:9} {case.case_id}: exact={int(guess == case.target)} {guess[:50]!r}")
    finally:
        templates.HELD_BACK_OPENERS = HELD  # type: ignore[misc]
        host.close()

    by_case: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        by_case.setdefault(row["case"], {})[row["variant"]] = row
    pairs = [(pair["held-back"]["exact"], pair["in-prompt"]["exact"]) for pair in by_case.values()]
    wins = sum(1 for held, in_prompt in pairs if held and not in_prompt)
    losses = sum(1 for held, in_prompt in pairs if in_prompt and not held)
    variants = {
        variant: {
            "n": len(picked),
            "exact": sum(row["exact"] for row in picked),
            "empty": sum(row["empty"] for row in picked),
            "editSimilarity": summary([row["editSimilarity"] for row in picked], 3),
            "seconds": summary([row["seconds"] for row in picked], 2),
        }
        for variant in VARIANTS
        for picked in [[row for row in rows if row["variant"] == variant]]
    }
    settings_out = {key: str(value) if isinstance(value, Path) else value
                    for key, value in vars(args).items()}
    result = {**header("after-bracket"), "settings": settings_out,
              "variants": variants,
              "heldBackVsInPrompt": {"exactWins": wins, "exactLosses": losses,
                                     "signTestP": sign_test(wins, losses)},
              "rows": rows}
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
