"""Which definitions from other files to show: identifiers near the cursor, looked up sticky.

Identifiers are read from the lines around the cursor (nearest first), minus keywords,
very short names and the word being typed; the names on the file's import lines come
after them (imported names are likely to be used, and they rarely change).  Each new
name found in the symbol index (defined in another file) adds its best definition *at
the end* of the document's list;
names already shown stay while the budget allows, even when the cursor moves on, and
the oldest go first when it does not.  The list is only recomputed when a new indexed
name appears near the cursor, or every :data:`REFRESH_S` seconds when the index
changed, so successive prompts keep the same snippets and llama.cpp keeps its cache.

Ranking when a name has several definitions: a file whose module name the current
file imports, then open documents, then the nearest directory.  Names with many
unrelated definitions (``get``, ``run``...) are skipped unless an import singles one out.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ghost_ls.context.symbols import SymbolIndex
from ghost_ls.context.tags import Definition
from ghost_ls.context.text import IDENTIFIER
from ghost_ls.context.types import SNIPPET_OVERHEAD_TOKENS, Snippet

REFRESH_S = 3.0
ABOVE, BELOW = 12, 3
MAX_AMBIGUOUS = 4
_KEYWORD_TEXT = """
and as assert async await break case catch class const continue def default del delete do
elif else enum except export extends false final finally fn for from func function go goto
if impl implements import in instanceof interface is lambda let local loop match mod module
mut new nil none not null or package pass private protected pub public raise return self
static struct super switch then this throw throws true try type typeof undefined union use
var void while with yield int str float bool list dict set tuple len print range string
char long double unsigned signed sizeof include define ifdef ifndef endif end repeat until
require println printf console log std vec box option result some ok err self_ cls args
kwargs object any number boolean async await
"""
KEYWORDS = frozenset(_KEYWORD_TEXT.split())
_ATTRIBUTE = re.compile(r"\.\s*([^\W\d]\w*)")


@dataclass(frozen=True)
class Request:
    """What a request knows to judge candidate definitions."""

    key: str
    """Index key of the current file (its own definitions are never snippets)."""
    hints: str
    """Text of the file's import lines (a module named there is preferred)."""
    open_keys: set[str]
    attributes: set[str]
    """Names used after a ``.`` near the cursor: only those may resolve to methods."""
    imported_only: dict[str, str] = field(default_factory=dict)
    """Names known only from an import statement -> its text: such a name resolves only
    to a definition in a module that statement names (``from html import escape`` is
    not ``markup.escape``)."""


def nearby_identifiers(line_at: Callable[[int], str], row: int, line_prefix: str,
                       line_count: int) -> tuple[list[str], set[str]]:
    """Identifiers around the cursor (nearest first, without the word being typed), and
    the ones among them used as attributes (``x.name``)."""
    typed = IDENTIFIER.findall(line_prefix)
    if typed and line_prefix.endswith(typed[-1]):
        typed = typed[:-1]
    ordered: list[str] = [name for name in reversed(typed) if _worth_looking_up(name)]
    attributes = set(_ATTRIBUTE.findall(line_prefix))
    for offset in range(1, ABOVE + 1):
        for near in (row - offset, row + offset if offset <= BELOW else -1):
            if 0 <= near < line_count:
                found, used_as_attributes = _line_names(line_at(near))
                ordered.extend(reversed(found) if near < row else found)
                attributes.update(used_as_attributes)
    return list(dict.fromkeys(ordered)), attributes


def _worth_looking_up(name: str) -> bool:
    return len(name) > 2 and name.lower() not in KEYWORDS


def _line_names(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """A line's identifiers worth looking up, in order, and the ones used as attributes.

    Remembered per line text: while typing, the lines around the cursor are the same
    from one keystroke to the next.
    """
    if len(text) > _MEMO_LINE_CHARS:
        return _read_line_names(text)
    return _memo_line_names(text)


def _read_line_names(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    names = tuple(name for name in IDENTIFIER.findall(text) if _worth_looking_up(name))
    return names, frozenset(_ATTRIBUTE.findall(text))


_MEMO_LINE_CHARS = 1000
_memo_line_names = functools.lru_cache(maxsize=4096)(_read_line_names)


def imported_names(line_at: Callable[[int], str], ranges: Sequence[tuple[int, int]],
                   limit: int = 200) -> dict[str, str]:
    """Identifiers on the file's import statements -> the statement's text (in order)."""
    names: dict[str, str] = {}
    for first, last in ranges:
        statement = "\n".join(line_at(row) for row in range(first, min(last, first + 30) + 1))
        for name in IDENTIFIER.findall(statement):
            names.setdefault(name, statement)
            if len(names) >= limit:
                return names
    return names


def candidate_names(nearby: Sequence[str], imported: Sequence[str]) -> list[str]:
    """Nearby identifiers first, then imported ones, without repeats or keywords."""
    seen = set(nearby)
    out = list(nearby)
    for name in imported:
        if name not in seen and len(name) > 2 and name.lower() not in KEYWORDS:
            seen.add(name)
            out.append(name)
    return out


class DefinitionPicker:
    """Sticky choice of definition snippets for one document."""

    def __init__(self) -> None:
        self.selected: list[Definition] = []
        self._seen: set[str] = set()
        self._generation = -1
        self._stamp = 0.0
        self._snippets: list[Snippet] = []

    def pick(self, index: SymbolIndex, request: Request, names: Sequence[str], budget: int,
             count: Callable[[str], int]) -> list[Snippet]:
        """Definition snippets for a request (cached unless something meaningful changed)."""
        indexed = [name for name in names if name in index]
        fresh = [name for name in indexed if name not in self._seen]
        now = time.monotonic()
        stale = index.generation != self._generation and now - self._stamp >= REFRESH_S
        if not fresh and not stale:
            return self._snippets
        self._generation, self._stamp = index.generation, now
        if len(self._seen) > 2000:
            self._seen = {d.name for d in self.selected}
        self._seen.update(fresh)
        kept = [d for d in (self._refresh(index, d, request) for d in self.selected)
                if d is not None]
        shown = {d.name for d in kept}
        added = [d for d in (best_definition(index.lookup(name), request)
                             for name in fresh if name not in shown) if d is not None]
        combined = _dedupe(kept + list(reversed(added)))
        while combined and sum(count(d.text) + SNIPPET_OVERHEAD_TOKENS for d in combined) > budget:
            combined.pop(0)
        self.selected = combined
        self._snippets = [Snippet(path=d.path, text=d.text, kind="definition")
                          for d in combined]
        return self._snippets

    def _refresh(self, index: SymbolIndex, old: Definition,
                 request: Request) -> Definition | None:
        candidates = index.lookup(old.name)
        for candidate in candidates:
            if candidate.key == old.key and candidate.kind == old.kind:
                return candidate
        return best_definition(candidates, request)


def _dedupe(definitions: list[Definition]) -> list[Definition]:
    seen: set[str] = set()
    unique: list[Definition] = []
    for definition in definitions:
        if definition.text not in seen:
            seen.add(definition.text)
            unique.append(definition)
    return unique


def best_definition(candidates: Sequence[Definition], request: Request) -> Definition | None:
    """The definition most likely meant (None: defined in this file, none, or too vague)."""
    if not candidates or any(d.key == request.key for d in candidates):
        return None  # the file's own definition is what the name refers to
    name = candidates[0].name
    attribute = name in request.attributes
    others = [d for d in candidates if attribute or d.kind != "method"]
    statement = request.imported_only.get(name)
    if statement is not None:
        others = [d for d in others if _module_named(d.key, statement)]
    if not others:
        return None
    here = PurePosixPath(request.key).parent

    def score(d: Definition) -> tuple[int, int, int, int, int]:
        module = PurePosixPath(d.key).stem
        imported = int(bool(module) and module in request.hints)
        distance = _distance(here, PurePosixPath(d.key).parent)
        kind = 0 if d.kind in ("class", "function", "type", "interface") else 1
        return (-imported, -int(d.key in request.open_keys), distance, kind, d.row)

    ranked = sorted(others, key=score)
    distinct_files = {d.key for d in others}
    if len(distinct_files) > MAX_AMBIGUOUS and score(ranked[0])[0] == 0:
        return None
    return ranked[0]


def _module_named(key: str, statement: str) -> bool:
    """Whether an import statement names the module (or package) defining ``key``."""
    path = PurePosixPath(key)
    names = {path.stem, path.parent.name} if path.stem == "__init__" else {path.stem}
    words = set(IDENTIFIER.findall(statement))
    return bool(names & words)


def _distance(a: PurePosixPath, b: PurePosixPath) -> int:
    common = 0
    for x, y in zip(a.parts, b.parts, strict=False):
        if x != y:
            break
        common += 1
    return len(a.parts) + len(b.parts) - 2 * common
