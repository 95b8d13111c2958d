"""What the prompt holds back of the typed middle: a bracket, or the indentation.

The person has typed part of a line in the default layout (``anchored``: the typed
text after the FIM middle marker).  Whatever the prompt holds back at its end
(``engine/templates.py`` ``held_back``) the model must write again.  Two places, each
completed twice by ghost-ls' own ``Completer`` in this process (the server's code path,
the full prompt, neighbour files open for snippets, greedy), the old rule against the
one ghost-ls uses now:

- ``--place bracket``: real lines of the cold-place packages (``benchlib/cold_cases.py``:
  httpx, zod, pflag, itertools) cut right after their first ``(`` that has text after
  it; the bracket at the end of the prompt (``in-prompt``) or held back for the model to
  write again (``held-back``, ``HELD_BACK_OPENERS``; in both, the dot is held back);
- ``--place dot``: the lines cut right after their first member-access dot
  (``self.``): the dot at the end of the prompt (``in-prompt``, before) or held back
  like a bracket, the first sampled token made to begin with it (``held-back``, now;
  the engine runs in this process so that the rule reaches its sampler);
- ``--place dollar``: the lines cut right after their first ``$`` that begins a name
  (zod's ``$ZodType``, Rust macro variables): the ``$`` in the prompt (``in-prompt``)
  or held back like the dot, after a space too (``held-back``, a candidate; ghost-ls
  holds it back only right after a letter or digit, ``--place glued``);
- ``--place glued``: the lines cut right after their first punctuation mark that
  follows a letter or digit and that the tokenizer reads with the letters after it
  (Qwen's pretokenizer: one mark and the letters after it are one piece, so
  ``some_name`` is ``some`` + ``_name``, ``key=value`` is ``key`` + ``=value``):
  the mark in the prompt (``in-prompt``, before) or held back like the dot
  (``held-back``, now: ``HELD_BACK_GLUED``); brackets and the dot have their own places;
- ``--place indentation``: the packages' line-start places (the cursor after a line's
  indentation, the rest masked); all the typed indentation held back (``all-held-back``,
  before) or only its last space or tab (``last-held-back``, now).

Scored on the completed line: exact match, edit similarity, empty answers; variants
alternate per case; a paired sign test on exact match.

Run:  .venv/bin/python bench/held_back.py --place bracket --per-language 6 --seed 3 \
          --json-out bench/results/NAME.json
      .venv/bin/python bench/held_back.py --place indentation --per-language 20 --seed 2 \
          --json-out bench/results/NAME.json
JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchlib.cold_cases import PACKAGES, Case, Package, extract_cases
from benchlib.common import edit_similarity, emit, header, log, sign_test, summary
from fetch_sources import ensure
from ghost_ls.completer import Completer
from ghost_ls.config import Settings
from ghost_ls.context.builder import ContextBuilder
from ghost_ls.engine import backend, templates
from ghost_ls.engine.cache import CompletionCache
from ghost_ls.engine.host import ModelHost
from ghost_ls.engine.stats import Stats

HELD = templates.HELD_BACK_MARKS
"""The marks ghost-ls holds back (brackets and the dot); an ``in-prompt`` variant holds
back all but the ones its place is about."""
HELD_BACK = templates.held_back
"""ghost-ls' rule for what it holds back (the ``last-held-back`` variant)."""


def all_trailing_whitespace(middle: str) -> str:
    """The rule before: all the whitespace that ends the typed middle (and a held-back mark)."""
    typed = middle.rstrip(" \t")
    if typed.endswith(HELD):
        typed = typed[:-1].rstrip(" \t")
    return middle[len(typed):]


@dataclasses.dataclass(frozen=True)
class Place:
    """Which cases, and the two rules compared there: (old, new) variant names."""

    variants: tuple[str, str]
    key: str
    """The JSON key of the paired comparison."""
    cut: Callable[[Case], Case | None]
    use: Callable[[str], None]
    """Sets the rule of the named variant for the next completion."""
    in_process: bool = False
    """Run the engine in this process, so that a rule set here reaches its sampler."""


def use_marks(marks: tuple[str, ...]) -> None:
    templates.HELD_BACK_MARKS = marks  # type: ignore[misc]
    backend.HELD_BACK_MARKS = marks  # type: ignore[misc]


def use_bracket_rule(variant: str) -> None:
    brackets = backend.HELD_BACK_OPENERS
    use_marks(HELD if variant == "held-back" else tuple(m for m in HELD if m not in brackets))


def use_indentation_rule(variant: str) -> None:
    templates.held_back = HELD_BACK if variant == "last-held-back" else all_trailing_whitespace


def use_dot_rule(variant: str) -> None:
    use_marks(HELD if variant == "held-back" else tuple(m for m in HELD if m != backend.HELD_BACK_DOT))


def after_first_dot(case: Case) -> Case | None:
    """The case cut right after its line's first member access dot (``self.``)."""
    match = re.search(r"\w\.(?=\w)", case.original)
    if match is None:
        return None
    return dataclasses.replace(case, column=match.end(), kind="after-dot")


def use_dollar_rule(variant: str) -> None:
    use_glued(tuple(mark for mark in GLUED_MARKS if mark != "$"))
    use_marks((*HELD, "$") if variant == "held-back" else HELD)


def after_first_dollar(case: Case) -> Case | None:
    """The case cut right after its line's first ``$`` that begins a name (``$ZodType``)."""
    match = re.search(r"\$(?=[A-Za-z_])", case.original)
    if match is None:
        return None
    return dataclasses.replace(case, column=match.end(), kind="after-dollar")


GLUED_MARKS = backend.HELD_BACK_GLUED
"""The glued marks ghost-ls holds back (``HELD_BACK_GLUED``)."""
GLUED = re.compile(r"(?<=[A-Za-z0-9])[" + re.escape("".join(GLUED_MARKS)) + "]")
"""One of them right after a letter or digit."""


def use_glued(marks: tuple[str, ...]) -> None:
    templates.HELD_BACK_GLUED = marks  # type: ignore[misc]
    backend.HELD_BACK_GLUED = marks  # type: ignore[misc]


def use_glued_rule(variant: str) -> None:
    use_glued(GLUED_MARKS if variant == "held-back" else ())


def after_first_glued(case: Case) -> Case | None:
    """The case cut right after the first glued mark of its line that has a letter after it."""
    for match in GLUED.finditer(case.original):
        if re.match(r"[A-Za-z]", case.original[match.end():match.end() + 1]):
            return dataclasses.replace(case, column=match.end(), kind="after-" + match.group())
    return None


def after_indentation(case: Case) -> Case | None:
    """A line-start case whose line is indented (there is indentation to hold back)."""
    return case if case.kind == "line-start" and case.prefix else None


def restore() -> None:
    use_marks(HELD)
    use_glued(GLUED_MARKS)
    templates.held_back = HELD_BACK


def after_first_bracket(case: Case) -> Case | None:
    """The case cut right after the first ``(`` of its line, or None (no text after one)."""
    at = case.original.find("(")
    if at < 0 or at + 1 >= len(case.original.rstrip()):
        return None
    return dataclasses.replace(case, column=at + 1, kind="after-bracket")


def complete(host: ModelHost, settings: Settings, case: Case) -> tuple[str, float]:
    """The completed rest of the line, and the seconds it took."""
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


PLACES = {
    "bracket": Place(("in-prompt", "held-back"), "heldBackVsInPrompt", after_first_bracket,
                     use_bracket_rule),
    "dot": Place(("in-prompt", "held-back"), "heldBackVsInPrompt", after_first_dot,
                 use_dot_rule, in_process=True),
    "dollar": Place(("in-prompt", "held-back"), "heldBackVsInPrompt", after_first_dollar,
                    use_dollar_rule, in_process=True),
    "glued": Place(("in-prompt", "held-back"), "heldBackVsInPrompt", after_first_glued,
                   use_glued_rule, in_process=True),
    "indentation": Place(("all-held-back", "last-held-back"), "lastVsAllHeldBack",
                         after_indentation, use_indentation_rule),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--place", choices=sorted(PLACES), default="bracket")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--per-language", type=int, default=6, help="lines drawn per language")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--sources", type=Path, help="bench-sources folder (default: the cache)")
    parser.add_argument("--local", type=Path, help="draw the lines from this local folder of "
                        "Python files instead (the smoke test uses the standard library's json)")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    place = PLACES[args.place]
    old, new = place.variants

    settings = Settings(model=args.model, max_tokens=args.max_tokens)
    host = ModelHost(isolated=not place.in_process)
    host.load(settings)
    if not host.ready:
        raise SystemExit(host.message)
    rows: list[dict[str, Any]] = []
    try:
        for drawn in draw(args):
            case = place.cut(drawn)
            if case is None:
                continue
            order = place.variants if len(rows) % 4 == 0 else place.variants[::-1]
            for variant in order:
                place.use(variant)
                guess, seconds = complete(host, settings, case)
                rows.append({"case": case.case_id, "language": case.language, "variant": variant,
                             "target": case.target, "guess": guess, "exact": guess == case.target,
                             "editSimilarity": round(edit_similarity(guess, case.target), 4),
                             "empty": guess == "", "seconds": round(seconds, 3)})
                log(f"{variant:14} {case.case_id}: exact={int(guess == case.target)} {guess[:50]!r}")
    finally:
        restore()
        host.close()

    by_case: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        by_case.setdefault(row["case"], {})[row["variant"]] = row
    pairs = [(pair[new]["exact"], pair[old]["exact"]) for pair in by_case.values()]
    wins = sum(1 for now, before in pairs if now and not before)
    losses = sum(1 for now, before in pairs if before and not now)
    variants = {
        variant: {
            "n": len(picked),
            "exact": sum(row["exact"] for row in picked),
            "empty": sum(row["empty"] for row in picked),
            "editSimilarity": summary([row["editSimilarity"] for row in picked], 3),
            "seconds": summary([row["seconds"] for row in picked], 2),
        }
        for variant in place.variants
        for picked in [[row for row in rows if row["variant"] == variant]]
    }
    settings_out = {key: str(value) if isinstance(value, Path) else value
                    for key, value in vars(args).items()}
    result = {**header(f"held-back-{args.place}"), "settings": settings_out,
              "variants": variants,
              place.key: {"exactWins": wins, "exactLosses": losses,
                          "signTestP": sign_test(wins, losses)},
              "rows": rows}
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
