"""Cold-place cases: a line of a real package's file, a cursor on it, the rest of the line to guess.

``PACKAGES`` pins one package per language (Python, TypeScript, Go, Rust), fetched by
``bench/fetch_sources.py`` with each registry's own client.  ``extract_cases`` picks,
deterministically for a seed, ``per_language`` cases per language, each from a
**different file** (a file no earlier case read), alternating two cursor kinds:

- ``line-start``: the cursor after the line's indentation, the target the whole code;
- ``mid-line``: the cursor after part of the line, at the start of one of its tokens
  (never the first), the target the rest of the line.

The document an editor holds is the file with that line emptied (the user opened a
fresh line there and types the prefix).  Up to three **neighbour** files of the same
package and language (same folder first, never another case's file) go with each case.
``score_line`` says whether a suggestion, applied, gives back the real line.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchlib.common import edit_similarity


@dataclass(frozen=True)
class Package:
    """A pinned package and where its sources are once unpacked."""

    language: str
    registry: str
    """``pypi``, ``npm`` or ``deb``."""
    name: str
    version: str
    sources: str
    """Glob (relative to the unpacked root) of the folder the code is under."""
    extension: str
    language_id: str
    exclude: tuple[str, ...] = ()
    """Path parts that rule a file out (tests, generated code)."""

    @property
    def key(self) -> str:
        return f"{self.registry}-{self.name}-{self.version}".replace("/", "+").replace(":", "%3a")


PACKAGES: tuple[Package, ...] = (
    Package("python", "pypi", "httpx", "0.28.1", "httpx-0.28.1/httpx", ".py", "python",
            ("tests",)),
    Package("typescript", "npm", "zod", "4.1.12", "package/src", ".ts", "typescript",
            ("tests", "test", "benchmarks", "locales")),
    Package("go", "deb", "golang-github-spf13-pflag-dev", "1.0.6~git20210604-d5e0c0615ace-1",
            "usr/share/gocode/src/github.com/spf13/pflag", ".go", "go", ("_test.go",)),
    Package("rust", "deb", "librust-itertools-dev", "0.10.3-1",
            "usr/share/cargo/registry/itertools-0.10.3", ".rs", "rust",
            ("tests", "benches", "examples")),
)

COMMENT_STARTS = ("#", "//", "/*", "*", '"""', "'''", "r#\"")
TOKEN = re.compile(r"\w+|[^\w\s]+")
MIN_FILE_LINES = 40
MAX_FILE_LINES = 4000


@dataclass(frozen=True)
class Case:
    """One cursor in one file of a package."""

    case_id: str
    language: str
    language_id: str
    package: str
    path: Path
    relative: str
    line: int
    """0-based line of the cursor."""
    column: int
    """Characters of the line before the cursor (``len(prefix)``)."""
    kind: str
    original: str
    """The real line, whole."""
    neighbours: tuple[Path, ...] = field(default=())

    @property
    def prefix(self) -> str:
        return self.original[: self.column]

    @property
    def target(self) -> str:
        return self.original[self.column :].rstrip()

    @property
    def indent(self) -> str:
        return self.original[: len(self.original) - len(self.original.lstrip(" \t"))]

    def document(self) -> str:
        """The file with the cursor's line emptied (what the editor holds before typing)."""
        lines = self.path.read_text(encoding="utf-8").split("\n")
        lines[self.line] = ""
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.case_id, "language": self.language, "package": self.package,
                "file": self.relative, "line": self.line + 1, "column": self.column,
                "kind": self.kind, "prefix": self.prefix, "target": self.target,
                "neighbours": [path.name for path in self.neighbours]}


def _comment_mask(lines: list[str], language: str) -> list[bool]:
    """True for lines inside a block comment or a Python triple-quoted string."""
    masked, inside = [], False
    for text in lines:
        stripped = text.strip()
        if language == "python":
            quotes = stripped.count('"""') + stripped.count("'''")
            masked.append(inside or quotes > 0)
            if quotes % 2 == 1:
                inside = not inside
        else:
            starts = "/*" in stripped and "*/" not in stripped.split("/*", 1)[1]
            masked.append(inside or starts)
            if inside and "*/" in stripped:
                inside = False
            elif starts:
                inside = True
    return masked


def candidate_lines(lines: list[str], language: str) -> list[int]:
    """Code lines worth a case: past the file's first tenth, not comments, some words."""
    masked = _comment_mask(lines, language)
    start = max(5, len(lines) // 10)
    chosen = []
    for index in range(start, len(lines)):
        stripped = lines[index].strip()
        if masked[index] or not 8 <= len(stripped) <= 100 or stripped.startswith(COMMENT_STARTS):
            continue
        if len(re.findall(r"\w", stripped)) < 4 or "\t" in stripped:
            continue
        chosen.append(index)
    return chosen


def mid_line_columns(text: str) -> list[int]:
    """Token starts after the first token that leave at least 4 visible characters to guess."""
    indent = len(text) - len(text.lstrip(" \t"))
    starts = [match.start() for match in TOKEN.finditer(text) if match.start() > indent]
    return [start for start in starts
            if len(text[start:].strip()) >= 4 and re.search(r"\w", text[start:])]


def source_files(root: Path, package: Package) -> list[Path]:
    """The package's source files of its language (sorted, excluded parts left out)."""
    files = []
    for path in sorted(root.rglob(f"*{package.extension}")):
        relative = path.relative_to(root).as_posix()
        if any(part in relative.split("/") or relative.endswith(part) for part in package.exclude):
            continue
        if package.extension == ".ts" and path.name.endswith(".d.ts"):
            continue
        count = path.read_text(encoding="utf-8", errors="replace").count("\n")
        if MIN_FILE_LINES <= count <= MAX_FILE_LINES:
            files.append(path)
    return files


def extract_cases(package: Package, root: Path, per_language: int, seed: int) -> list[Case]:
    """``per_language`` cases from ``package`` (unpacked at ``root``), kinds alternating."""
    rng = random.Random(f"{seed}:{package.language}")
    files = source_files(root, package)
    order = files[:]
    rng.shuffle(order)
    picked: list[tuple[Path, int, int, str]] = []
    for path in order:
        if len(picked) == per_language:
            break
        lines = path.read_text(encoding="utf-8").split("\n")
        kind = "line-start" if len(picked) % 2 == 0 else "mid-line"
        rows = candidate_lines(lines, package.language)
        if kind == "mid-line":
            rows = [row for row in rows if mid_line_columns(lines[row])]
        if not rows:
            continue
        row = rng.choice(rows)
        text = lines[row]
        if kind == "line-start":
            column = len(text) - len(text.lstrip(" \t"))
        else:
            column = rng.choice(mid_line_columns(text))
        picked.append((path, row, column, kind))
    case_files = {path for path, *_ in picked}
    cases = []
    for path, row, column, kind in picked:
        others = [other for other in files if other not in case_files]
        same_folder = [other for other in others if other.parent == path.parent]
        if len(same_folder) >= 3:
            neighbours = tuple(sorted(rng.sample(same_folder, 3)))
        else:  # the whole folder, then the package's other files in path order
            rest = [other for other in others if other.parent != path.parent]
            neighbours = tuple(same_folder + rest[: 3 - len(same_folder)])
        relative = path.relative_to(root).as_posix()
        original = path.read_text(encoding="utf-8").split("\n")[row]
        cases.append(Case(f"{package.language}:{relative}:{row + 1}:{kind}", package.language,
                          package.language_id, f"{package.name}@{package.version}", path,
                          relative, row, column, kind, original, neighbours))
    return cases


def score_line(completed_line: str, case: Case) -> dict[str, Any]:
    """The cursor's line after the suggestion was applied, against the real line.

    ``exact``: the line equals the real one (trailing whitespace aside); the edit
    similarity compares what follows the typed prefix with the target (both stripped).
    A line that no longer starts with the typed prefix (a suggestion that rewrote it)
    is compared whole.
    """
    if completed_line.startswith(case.prefix):
        guessed = completed_line[len(case.prefix):]
        target = case.target
    else:
        guessed, target = completed_line, case.original
    return {
        "guess": guessed.rstrip()[:200],
        "exact": completed_line.rstrip() == case.original.rstrip(),
        "editSimilarity": round(edit_similarity(guessed.strip(), target.strip()), 4),
    }
