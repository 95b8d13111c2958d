"""gitignore-style pattern matching that cannot backtrack: time linear in pattern x path.

A ``.gitignore`` is workspace content, so a hostile one must not stall the server.
Regex translations of globs (pathspec's) backtrack: ``*a*a*a*a*a*a*a*a*a*a*b``
against a file named forty ``a``\\ s took over a minute, with the GIL held.  Here a
pattern is split at ``/`` into segments; a segment without wildcards is compared as a
string, one with wildcards by the classic greedy wildcard match (it remembers only
the last ``*``, so it costs at most len(segment) x len(name) steps), and ``**``
segments by a table over (pattern segment, path component).

The rules are git's (gitignore(5)): blank lines and ``#`` comments are skipped,
trailing spaces dropped unless escaped, ``!`` negates, a trailing ``/`` matches
directories only, a pattern with a ``/`` before its end is anchored to the folder of
its file (a leading ``/`` is dropped), one without matches the name at any depth,
``**`` as a whole segment matches any number of folders (``a/**``: everything inside
``a``), ``*`` and ``?`` never match ``/``, ``[...]`` is a character class (``!`` or
``^`` negates it), ``\\`` escapes.  The last pattern that matches decides; a path
inside an ignored folder is ignored whatever comes later (git cannot re-include it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_STAR = "*"
_ANY = "?"
_GLOBSTAR = object()
"""A ``**`` segment."""


@dataclass(frozen=True)
class _Class:
    """A ``[...]`` character class."""

    chars: frozenset[str]
    ranges: tuple[tuple[str, str], ...]
    negate: bool

    def matches(self, char: str, fold: bool) -> bool:
        found = self._has(char) or (fold and (self._has(char.upper()) or self._has(char.lower())))
        return found != self.negate

    def _has(self, char: str) -> bool:
        return char in self.chars or any(low <= char <= high for low, high in self.ranges)


Token = str | _Class
"""One character of a segment: ``*``, ``?``, a literal character, or a class (an
escaped ``\\*`` or ``\\?`` is a one-character class, so a plain ``"*"`` is always the
wildcard)."""


class _Segment:
    """One ``/``-free piece of a pattern."""

    __slots__ = ("head", "literal", "tail", "tokens")

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        plain = all(isinstance(t, str) and t not in (_STAR, _ANY) for t in tokens)
        self.literal: str | None = "".join(tokens) if plain else None  # type: ignore[arg-type]
        self.head = _literal_run(tokens)
        self.tail = _literal_run(tokens[::-1])[::-1]

    def matches(self, name: str, fold: bool) -> bool:
        if fold:
            name = name.lower()
        if self.literal is not None:
            return name == (self.literal.lower() if fold else self.literal)
        head, tail = (self.head.lower(), self.tail.lower()) if fold else (self.head, self.tail)
        if not name.startswith(head) or not name.endswith(tail):
            return False  # cheap rejection for the usual "*.ext" and "name*"
        return _wildmatch(self.tokens, name, fold)


def _literal_run(tokens: Sequence[Token]) -> str:
    run = []
    for token in tokens:
        if not isinstance(token, str) or token in (_STAR, _ANY):
            break
        run.append(token)
    return "".join(run)


def _one(token: Token, char: str, fold: bool) -> bool:
    if isinstance(token, _Class):
        return token.matches(char, fold)
    if token == _ANY:
        return True
    return char == (token.lower() if fold else token)


def _wildmatch(tokens: Sequence[Token], name: str, fold: bool) -> bool:
    """Whether ``name`` matches: greedy, back to the last ``*`` only (no blow-up).

    Every token but ``*`` takes exactly one character, so retrying from the last star
    is enough: a later star can only do what an earlier one would.
    """
    p = i = 0
    star, mark = -1, 0
    count, length = len(tokens), len(name)
    while i < length:
        token = tokens[p] if p < count else None
        if token == _STAR:
            star, mark = p, i
            p += 1
        elif token is not None and _one(token, name[i], fold):
            p += 1
            i += 1
        elif star >= 0:
            p, mark = star + 1, mark + 1
            i = mark
        else:
            return False
    while p < count and tokens[p] == _STAR:
        p += 1
    return p == count


def _tokens(text: str) -> list[Token] | None:
    """The tokens of one segment (None: an unusable pattern, e.g. a trailing ``\\``)."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 >= len(text):
                return None
            tokens.append(_literal(text[i + 1]))
            i += 2
        elif char == "*":
            if not tokens or tokens[-1] != _STAR:
                tokens.append(_STAR)  # "**" inside a segment is one "*"
            i += 1
        elif char == "?":
            tokens.append(_ANY)
            i += 1
        elif char == "[":
            parsed = _char_class(text, i)
            if parsed is None:
                tokens.append("[")
                i += 1
            else:
                tokens.append(parsed[0])
                i = parsed[1]
        else:
            tokens.append(char)
            i += 1
    return tokens


def _literal(char: str) -> Token:
    """A character that must match itself (``*`` and ``?`` as one-character classes)."""
    return _Class(frozenset(char), (), False) if char in (_STAR, _ANY) else char


def _char_class(text: str, start: int) -> tuple[_Class, int] | None:
    """The class opening at ``text[start] == '['`` and the index after it (None: unclosed)."""
    i = start + 1
    negate = i < len(text) and text[i] in "!^"
    if negate:
        i += 1
    chars: set[str] = set()
    ranges: list[tuple[str, str]] = []
    first = True
    while i < len(text):
        char = text[i]
        if char == "]" and not first:
            return _Class(frozenset(chars), tuple(ranges), negate), i + 1
        first = False
        if char == "\\" and i + 1 < len(text):
            i += 1
            char = text[i]
        if i + 2 < len(text) and text[i + 1] == "-" and text[i + 2] != "]":
            high = text[i + 2]
            if high == "\\" and i + 3 < len(text):
                high = text[i + 3]
                i += 1
            ranges.append((char, high))
            i += 3
            continue
        chars.add(char)
        i += 1
    return None


@dataclass(frozen=True)
class Pattern:
    """One compiled line of an ignore file."""

    negate: bool
    dir_only: bool
    anchored: bool
    segments: tuple[object, ...]
    """:class:`_Segment` or the ``**`` marker."""

    def matches(self, parts: Sequence[str], is_dir: bool, fold: bool) -> bool:
        """Whether this pattern matches the path ``parts`` itself (not its folders)."""
        if self.dir_only and not is_dir:
            return False
        if not self.anchored:
            segment = self.segments[0]
            assert isinstance(segment, _Segment)
            return bool(parts) and segment.matches(parts[-1], fold)
        return _match_parts(self.segments, parts, fold)


def _match_parts(segments: Sequence[object], parts: Sequence[str], fold: bool) -> bool:
    """Segment-by-segment match; ``**`` takes any number of parts (one or more at the end)."""
    size = len(parts)
    reach = [True] + [False] * size  # reach[j]: the segments so far match parts[:j]
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        new = [False] * (size + 1)
        if segment is _GLOBSTAR:
            seen = False
            for j in range(size + 1):
                if index == last:
                    new[j], seen = seen, seen or reach[j]
                else:
                    seen = seen or reach[j]
                    new[j] = seen
        else:
            assert isinstance(segment, _Segment)
            for j in range(1, size + 1):
                new[j] = reach[j - 1] and segment.matches(parts[j - 1], fold)
        if not any(new):
            return False
        reach = new
    return reach[size]


def compile_pattern(line: str) -> Pattern | None:
    """A line of an ignore file as a :class:`Pattern` (None: blank, comment, unusable)."""
    line = line.rstrip("\r\n")
    while line.endswith(" ") and not line.endswith("\\ "):
        line = line[:-1]
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate or line.startswith(("\\!", "\\#")):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    anchored = "/" in line
    line = line.lstrip("/")
    if not line:
        return None
    segments: list[object] = []
    for piece in line.split("/"):
        if piece == "**":
            if not segments or segments[-1] is not _GLOBSTAR:
                segments.append(_GLOBSTAR)
            continue
        tokens = _tokens(piece)
        if tokens is None or not piece:
            return None
        segments.append(_Segment(tokens))
    if not anchored and segments[0] is _GLOBSTAR:
        segments = [_Segment([_STAR])]  # "**" alone: any name
    return Pattern(negate, dir_only, anchored, tuple(segments))


class IgnoreSpec:
    """The patterns of one ignore file (or setting): which paths below its folder it ignores."""

    def __init__(self, patterns: Iterable[Pattern], everything: bool = False) -> None:
        self.patterns = tuple(patterns)
        self.everything = everything
        """Ignores every path (an ignore file that could not be read safely)."""

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> IgnoreSpec:
        """Compiled lines; of identical ones only the last is kept (whenever an earlier
        copy matches, so does the later one, which decides)."""
        last = {line: index for index, line in enumerate(lines)}
        kept = sorted(last, key=last.__getitem__)
        return cls(p for p in map(compile_pattern, kept) if p is not None)

    def __bool__(self) -> bool:
        return self.everything or bool(self.patterns)

    def verdict(self, parts: Sequence[str], is_dir: bool, fold: bool = False) -> bool | None:
        """The last matching pattern's say on the path ``parts`` itself: True ignored,
        False re-included (``!``), None when no pattern matches it."""
        if self.everything:
            return True
        for pattern in reversed(self.patterns):
            if pattern.matches(parts, is_dir, fold):
                return not pattern.negate
        return None

    def match_file(self, relative: str, fold: bool = False) -> bool:
        """Whether a posix path relative to the spec's folder is ignored, folders
        included (``a/b/c`` is ignored when ``a`` or ``a/b`` is); a trailing ``/`` means
        a directory."""
        is_dir = relative.endswith("/")
        parts = [part for part in relative.split("/") if part]
        for end in range(1, len(parts)):
            if self.verdict(parts[:end], True, fold):
                return True
        return bool(parts) and bool(self.verdict(parts, is_dir, fold))
