"""Context engine speed: build time per request and incremental reparse per keystroke.

Prints one JSON object.  Scenario: a generated 5,000-line Python file in a temporary
workspace (with a few sibling modules so cross-file lookups have something to find);
we type a few hundred characters inside a method with ``did_change`` partial edits, as
an editor sends them, and after every keystroke measure

* ``did_change_ms``: applying the edit (lines + ``tree.edit``);
* ``reparse_ms``: the incremental reparse with the old tree;
* ``build_ms``: ``ContextBuilder.build`` (window, scopes, imports, snippets, mode);
* baseline in the same run: ``full_parse_ms``, parsing the same text from scratch.

Also reported: prompt stability while typing (how often the window start moved, the
share of the context identical to the previous build), a 200,000-line file (no tree:
open time and build time), and build time while the workspace index is being built.

    .venv/bin/python bench/context/speed.py [--keys 300] [--model model.gguf]

``--model`` counts tokens with llama.cpp's tokenizer (``vocab_only``); without it the
four-characters-a-token estimate is used.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server"))

from lsprotocol.types import Position, Range, TextDocumentContentChangePartial

from ghost_ls.config import Settings
from ghost_ls.context.builder import ContextBuilder, approximate_tokens
from ghost_ls.context.parsing import parse_bytes

UNIT = '''

class Service{i}(BaseService):
    """Service number {i}: fetches, validates and stores records."""

    def __init__(self, client: Client, retries: int = 3) -> None:
        self.client = client
        self.retries = retries
        self.cache: dict[str, Record] = {{}}

    def fetch(self, key: str) -> Record | None:
        """Return the record for key, from the cache when possible."""
        if key in self.cache:
            return self.cache[key]
        for attempt in range(self.retries):
            record = self.client.get(key, timeout=2.0 * (attempt + 1))
            if record is not None:
                self.cache[key] = record
                return record
        return None


def helper_{i}(values: list[int], factor: float = 1.5) -> list[float]:
    """Scale values by factor."""
    return [v * factor for v in values if v > {i}]
'''

TYPED = (
    "record = self.fetch(key)\n"
    "if record is None:\n"
    "    raise KeyError(f\"missing {key}\")\n"
    "total = compute_total([record.size for record in self.cache.values()], scale=2)\n"
    "normalized = normalize_record(record, strict=True)\n"
    "self.client.put(key, normalized)\n"
    "return normalized\n"
)


def make_file(lines: int) -> str:
    head = ("import os\nimport sys\nfrom dataclasses import dataclass\n"
            "from pkg.records import Record, normalize_record\nfrom pkg.util import compute_total\n")
    parts = [head]
    count = head.count("\n")
    i = 0
    while count < lines:
        unit = UNIT.format(i=i)
        parts.append(unit)
        count += unit.count("\n")
        i += 1
    return "".join(parts)


def make_workspace(root: Path, main_lines: int) -> Path:
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "records.py").write_text(
        'class Record:\n    """A stored record."""\n    def __init__(self, key: str, size: int):\n'
        '        self.key = key\n\n\ndef normalize_record(record: Record, strict: bool = False)'
        ' -> Record:\n    """Normalize a record in place."""\n    return record\n')
    (pkg / "util.py").write_text(
        'def compute_total(items: list[int], scale: float = 1.0) -> float:\n'
        '    """Sum the items and scale them."""\n    return sum(items) * scale\n')
    main = pkg / "service.py"
    main.write_text(make_file(main_lines))
    return main


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"n": len(values), "p50": round(statistics.median(ordered), 4),
            "p95": round(pick(0.95), 4), "max": round(ordered[-1], 4),
            "mean": round(statistics.fmean(ordered), 4)}


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def type_text(builder: ContextBuilder, uri: str, text: str, row: int, col: int,
              typed: str, keys: int,
              on_key: Callable[[str, int, int], None]) -> tuple[str, int, int]:
    """Send ``typed`` one character at a time as partial edits; returns text and cursor."""
    lines = text.split("\n")
    offset = sum(len(line) + 1 for line in lines[:row]) + col
    indent = " " * col
    version = 1
    for char in typed[:keys]:
        insert = char if char != "\n" else "\n" + indent
        change = TextDocumentContentChangePartial(
            range=Range(Position(row, utf16(lines[row][:col])), Position(row, utf16(lines[row][:col]))),
            text=insert)
        text = text[:offset] + insert + text[offset:]
        offset += len(insert)
        version += 1
        started = time.perf_counter()
        builder.did_change(uri, version, [change])
        TIMES["did_change"].append((time.perf_counter() - started) * 1000)
        if char == "\n":
            lines[row:row + 1] = [lines[row][:col], indent + lines[row][col:]]
            row, col = row + 1, len(indent)
        else:
            lines[row] = lines[row][:col] + char + lines[row][col:]
            col += 1
        on_key(text, row, col)
    return text, row, col


TIMES: dict[str, list[float]] = {"did_change": []}


class Shadow:
    """Replays the engine's tree edits on a private tree: tree-sitter's own reparse cost."""

    def __init__(self, spec: Any, source: bytes) -> None:
        self.spec = spec
        self.tree = parse_bytes(spec, source)
        self.edits: list[Any] = []

    def reparse(self, source: bytes) -> tuple[float, float]:
        """(incremental ms, from-scratch ms) for the current source."""
        for edit in self.edits:
            edit.apply(self.tree)
        self.edits.clear()
        started = time.perf_counter()
        self.tree = parse_bytes(self.spec, source, self.tree)
        incremental = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        parse_bytes(self.spec, source)
        return incremental, (time.perf_counter() - started) * 1000


class TypingRun:
    """One typing session: a builder over a workspace, timings collected per keystroke."""

    def __init__(self, args: argparse.Namespace, counter: Callable[[str], int], tmp: Path):
        self.args = args
        main = make_workspace(tmp, args.lines)
        self.builder = ContextBuilder(Settings(prompt_tokens=args.budget), counter, measure_stability=True)
        self.builder.set_workspace_folders([tmp])
        self.uri = main.as_uri()
        text = main.read_text()
        self.builder.did_open(self.uri, "python", 1, text)
        self.builder.wait_idle(60)
        lines = text.split("\n")
        self.row = next(i for i in range(len(lines) // 2, len(lines))
                        if lines[i].strip() == "return None" and lines[i].startswith(" " * 8))
        self.text = "\n".join([*lines[:self.row], " " * 8, *lines[self.row:]])
        self.builder.did_change(self.uri, 1, [TextDocumentContentChangePartial(
            range=Range(Position(self.row, 0), Position(self.row, 0)), text=" " * 8 + "\n")])
        self.builder.wait_idle(60)
        self.doc = self.builder._docs[self.uri].doc
        assert self.doc.spec is not None
        self.shadow = Shadow(self.doc.spec, self.doc.source())
        engine_edit = self.doc.parse.edit

        def record(edit: Any) -> None:
            self.shadow.edits.append(edit)
            engine_edit(edit)

        self.doc.parse.edit = record  # type: ignore[method-assign]
        self.out: dict[str, list[float]] = {k: [] for k in (
            "tree", "tree_cpu", "build", "build_cpu", "incremental", "full")}
        self.fresh: list[bool] = []
        self.stats: list[dict[str, Any]] = []

    def on_key(self, _text: str, row: int, col: int) -> None:
        out = self.out
        if self.args.interval_ms:  # a client that asks only after a pause (debounce)
            time.sleep(self.args.interval_ms / 1000)
        wall, cpu = time.perf_counter(), time.thread_time()
        self.doc.tree()
        out["tree"].append((time.perf_counter() - wall) * 1000)
        out["tree_cpu"].append((time.thread_time() - cpu) * 1000)
        self.fresh.append(self.doc.parse.fresh)
        wall, cpu = time.perf_counter(), time.thread_time()
        self.builder.build(self.uri, row, col)
        out["build"].append((time.perf_counter() - wall) * 1000)
        out["build_cpu"].append((time.thread_time() - cpu) * 1000)
        self.stats.append(self.builder.last_stats(self.uri))
        if len(out["full"]) < self.args.baseline_keys:
            incremental, full = self.shadow.reparse(self.doc.source())
            out["incremental"].append(incremental)
            out["full"].append(full)
        else:
            self.shadow.edits.clear()

    def run(self) -> dict[str, Any]:
        TIMES["did_change"].clear()
        _text, row, col = type_text(self.builder, self.uri, self.text, self.row, 8, TYPED * 10,
                                    self.args.keys, self.on_key)
        last = self.builder.build(self.uri, row, col)
        parse = self.doc.parse
        report = self.report()
        report["parses"] = {"inline_parses": parse.inline_parses, "deferred": parse.deferrals,
                            "background_parses": parse.background_parses}
        report["stability"]["snippets_final"] = len(last.snippets) if last else 0
        self.builder.close()
        return report

    def report(self) -> dict[str, Any]:
        out, stab = self.out, self.stats
        keystroke = [a + b for a, b in zip(TIMES["did_change"], out["tree"], strict=False)]
        starts = [s.get("window_start") for s in stab]
        return {
            "file_lines": self.args.lines,
            "keystrokes": len(out["build"]),
            "typing_interval_ms": self.args.interval_ms,
            "build_ms": summary(out["build"]),
            "build_cpu_ms": summary(out["build_cpu"]),
            "did_change_ms": summary(TIMES["did_change"]),
            "tree_on_request_thread_ms": summary(out["tree"]),
            "tree_on_request_thread_cpu_ms": summary(out["tree_cpu"]),
            "keystroke_ms": summary(keystroke),
            "fresh_tree_fraction": round(sum(self.fresh) / max(1, len(self.fresh)), 3),
            "treesitter_incremental_reparse_ms": summary(out["incremental"]),
            "baseline_full_parse_ms": summary(out["full"]),
            "stability": {
                "window_start_moves": sum(1 for a, b in itertools.pairwise(starts) if a != b),
                "shared_fraction_mean": round(statistics.fmean(
                    s.get("shared_fraction", 0.0) for s in stab[1:]), 4),
                "snippets_changed": sum(1 for s in stab[1:] if not s.get("snippets_same")),
            },
        }


def typing_scenario(args: argparse.Namespace, counter: Callable[[str], int]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return TypingRun(args, counter, Path(tmp)).run()


def huge_scenario(counter: Callable[[str], int], lines: int = 200_000) -> dict[str, Any]:
    text = make_file(lines)
    builder = ContextBuilder(Settings(), counter)
    uri = "file:///tmp/ghost-bench-huge.py"
    started = time.perf_counter()
    builder.did_open(uri, "python", 1, text)
    open_ms = (time.perf_counter() - started) * 1000
    builds, changes = [], []
    row = text.count("\n") // 2
    offset = _offset_of(text, row)
    for i in range(50):
        text = text[:offset + i] + "x" + text[offset + i:]
        change = TextDocumentContentChangePartial(
            range=Range(Position(row, i), Position(row, i)), text="x")
        started = time.perf_counter()
        builder.did_change(uri, i + 2, [change])
        changes.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        builder.build(uri, row, i + 1)
        builds.append((time.perf_counter() - started) * 1000)
    stats = builder.last_stats(uri)
    builder.close()
    return {"file_lines": text.count("\n") + 1, "open_ms": round(open_ms, 2),
            "did_change_ms": summary(changes), "build_ms": summary(builds),
            "tree_used": stats.get("tree")}


def _offset_of(text: str, row: int) -> int:
    offset = 0
    for _ in range(row):
        offset = text.index("\n", offset) + 1
    return offset


def indexing_scenario(counter: Callable[[str], int], files: int = 150) -> dict[str, Any]:
    """Build latency while the background thread indexes a workspace."""
    with tempfile.TemporaryDirectory() as tmp:
        main = make_workspace(Path(tmp), 400)
        for i in range(files):
            (Path(tmp) / "pkg" / f"mod_{i}.py").write_text(make_file(300))
        builder = ContextBuilder(Settings(), counter)
        uri = main.as_uri()
        builder.did_open(uri, "python", 1, main.read_text())
        builder.wait_idle(30)
        builds = []
        builder.set_workspace_folders([Path(tmp)])
        started_all = time.perf_counter()
        while not builder._indexer.scan_done.is_set() and len(builds) < 2000:
            started = time.perf_counter()
            builder.build(uri, 200, 8)
            builds.append((time.perf_counter() - started) * 1000)
            time.sleep(0.01)
        index_s = time.perf_counter() - started_all
        indexed = len(builder.index)
        builder.close()
    return {"workspace_files": files + 3, "index_seconds": round(index_s, 2),
            "definitions": indexed, "build_ms_during_indexing": summary(builds)}


def token_counter(model: str | None) -> tuple[Callable[[str], int], str]:
    if not model:
        return approximate_tokens, "approximate"
    from llama_cpp import Llama  # optional

    llm = Llama(model_path=model, vocab_only=True, verbose=False)
    return (lambda text: len(llm.tokenize(text.encode(), add_bos=False, special=False)),
            f"llama.cpp:{Path(model).name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--keys", type=int, default=300)
    parser.add_argument("--budget", type=int, default=1024)
    parser.add_argument("--baseline-keys", type=int, default=80)
    parser.add_argument("--interval-ms", type=float, default=0.0,
                        help="pause after each keystroke before the request, like a client's "
                        "debounce (0: a request right after every keystroke)")
    parser.add_argument("--model", default=None)
    parser.add_argument("--skip-huge", action="store_true")
    parser.add_argument("--skip-indexing", action="store_true")
    args = parser.parse_args()
    counter, counter_name = token_counter(args.model)
    out: dict[str, Any] = {"token_counter": counter_name, "typing": typing_scenario(args, counter)}
    if not args.skip_huge:
        out["huge_file"] = huge_scenario(counter)
    if not args.skip_indexing:
        out["indexing"] = indexing_scenario(counter)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
