"""Cross-file completion dataset from a well-known package nobody here wrote.

At bench time (never committed) we download a package's sdist with pip, unpack it, and
find lines that use a symbol defined in ANOTHER file of the package (top-level
functions, classes and constants, found with the same tag queries as the index; the
symbol must be defined in exactly one other file and not in the file itself).  Each
such line is cut at the symbol's start: the task is to complete the rest of the line.

    .venv/bin/python bench/context/crossfile_dataset.py --package rich==13.9.4 \\
        --limit 200 --out /tmp/crossfile.jsonl

Records (JSONL): ``{repo_root, path, line, column, expected, symbol, defined_in}``;
``line``/``column`` are 0-based, column in code points, ``expected`` is the masked
rest of the line.  :func:`build_contexts` turns a record into two
:class:`PromptContext` values over the same builder, with and without the cross-file
definition snippets, so a scorer (bench/ harness, model side) can compare pass rates.
Use ``--source DIR`` to work on an already unpacked tree (offline).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server"))

from ghost_ls.config import Settings
from ghost_ls.context.builder import ContextBuilder
from ghost_ls.context.grammars import spec_for
from ghost_ls.context.parsing import parse_bytes
from ghost_ls.context.tags import extract_definitions
from ghost_ls.context.text import IDENTIFIER
from ghost_ls.context.types import PromptContext

TOP_LEVEL = ("function", "class", "constant", "type", "interface")


def fetch_sdist(requirement: str, workdir: Path) -> Path:
    """Download and unpack ``requirement``'s sdist; returns the unpacked root."""
    workdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                    ":all:", "--quiet", requirement, "-d", str(workdir)], check=True)
    archives = sorted(workdir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not archives:
        raise SystemExit(f"no sdist for {requirement} in {workdir}")
    with tarfile.open(archives[-1]) as tar:
        tar.extractall(workdir, filter="data")
        top = tar.getnames()[0].split("/")[0]
    return workdir / top


def python_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        parts = set(path.relative_to(root).parts)
        if not parts & {"tests", "test", "docs", "examples", "benchmarks", "tools"}:
            yield path


def definitions(root: Path) -> dict[str, set[str]]:
    """Top-level symbol name -> relative paths of the files defining it."""
    spec = spec_for("python")
    assert spec is not None
    where: dict[str, set[str]] = defaultdict(set)
    for path in python_files(root):
        source = path.read_bytes()
        tree = parse_bytes(spec, source)
        if tree is None:
            continue
        relative = path.relative_to(root).as_posix()
        for definition in extract_definitions(tree, source, spec, str(path), relative):
            if definition.kind in TOP_LEVEL:
                where[definition.name].add(relative)
    return where


def code_identifiers(source: bytes) -> set[tuple[int, int]]:
    """(row, byte column) of every identifier that is code (not in strings or comments)."""
    spec = spec_for("python")
    assert spec is not None
    tree = parse_bytes(spec, source)
    found: set[tuple[int, int]] = set()
    if tree is None:
        return found
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "identifier":
            found.add((node.start_point.row, node.start_point.column))
        elif node.type not in ("string", "comment"):
            stack.extend(node.children)
    return found


def _candidate(line: str, row: int, code: set[tuple[int, int]], where: dict[str, set[str]],
               relative: str) -> tuple[int, str] | None:
    stripped = line.strip()
    if not stripped or stripped.startswith(("import ", "from ", "def ", "class ", "@")):
        return None
    for match in IDENTIFIER.finditer(line):
        files = where.get(match.group())
        if not files or relative in files or len(files) != 1:
            continue
        if (row, len(line[:match.start()].encode())) not in code:
            continue  # inside a string or a comment
        rest = line[match.start():].rstrip()
        if len(rest) > len(match.group()) + 1:
            return match.start(), match.group()
    return None


def find_records(root: Path, limit: int, seed: int = 0) -> list[dict[str, Any]]:
    """Lines using a symbol defined in exactly one other file, masked at the symbol."""
    where = definitions(root)
    records: list[dict[str, Any]] = []
    for path in python_files(root):
        relative = path.relative_to(root).as_posix()
        text = path.read_text("utf-8")
        code = code_identifiers(text.encode())
        for number, line in enumerate(text.split("\n")):
            found = _candidate(line, number, code, where, relative)
            if found is None:
                continue
            column, symbol = found
            records.append({"repo_root": str(root), "path": relative, "line": number,
                            "column": column, "expected": line[column:].rstrip(),
                            "symbol": symbol, "defined_in": sorted(where[symbol])[0]})
    random.Random(seed).shuffle(records)
    return sorted(records[:limit], key=lambda r: (r["path"], r["line"]))


def masked_text(record: dict[str, Any]) -> str:
    """The file as the user would have it: the target line cut at the symbol."""
    path = Path(record["repo_root"]) / record["path"]
    lines = path.read_text("utf-8").split("\n")
    lines[record["line"]] = lines[record["line"]][:record["column"]]
    return "\n".join(lines)


def build_contexts(builder: ContextBuilder,
                   record: dict[str, Any]) -> tuple[PromptContext | None, PromptContext | None]:
    """(with cross-file definitions, without them) for one record.

    ``builder`` should have the record's ``repo_root`` as workspace folder and be idle
    (index built); the masked file is opened as an editor buffer, then closed.
    """
    path = Path(record["repo_root"]) / record["path"]
    uri = path.as_uri()
    builder.did_open(uri, "python", 1, masked_text(record))
    try:
        with_defs = builder.build(uri, record["line"], record["column"])
    finally:
        builder.did_close(uri)
    if with_defs is None:
        return None, None
    kept = tuple(s for s in with_defs.snippets if s.kind != "definition")
    return with_defs, dataclasses.replace(with_defs, snippets=kept)


def builder_for(root: Path, prompt_tokens: int = 1024) -> ContextBuilder:
    builder = ContextBuilder(Settings(prompt_tokens=prompt_tokens))
    builder.set_workspace_folders([root])
    builder.wait_idle(120)
    return builder


def summarize(records: list[dict[str, Any]], builder: ContextBuilder) -> dict[str, Any]:
    """How often the defining file's snippet made it into the prompt (retrieval recall)."""
    hits = 0
    snippets = 0
    for record in records:
        with_defs, _without = build_contexts(builder, record)
        if with_defs is None:
            continue
        definition = [s for s in with_defs.snippets if s.kind == "definition"]
        snippets += len(definition)
        hits += any(s.path == record["defined_in"] and record["symbol"] in s.text
                    for s in definition)
    return {"records": len(records), "symbol_definition_in_prompt": hits,
            "recall": round(hits / max(1, len(records)), 3),
            "mean_definition_snippets": round(snippets / max(1, len(records)), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--package", default="rich==13.9.4")
    parser.add_argument("--source", type=Path, help="an unpacked source tree (no download)")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "ghost-ls-crossfile")
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="JSONL file (default: stdout)")
    parser.add_argument("--summary", action="store_true",
                        help="also print retrieval recall of the context engine (stderr)")
    args = parser.parse_args()
    root = args.source or fetch_sdist(args.package, args.workdir)
    records = find_records(root.resolve(), args.limit, args.seed)
    lines = "".join(json.dumps(record) + "\n" for record in records)
    if args.out:
        args.out.write_text(lines)
    else:
        sys.stdout.write(lines)
    if args.summary:
        builder = builder_for(root.resolve())
        try:
            print(json.dumps(summarize(records, builder)), file=sys.stderr)
        finally:
            builder.close()


if __name__ == "__main__":
    main()
