"""Would similar code from other files help the cross-file records?  An upper bound.

Retrieval by similar code (the sliding windows of other files whose identifiers overlap
most with the lines above the cursor, as Copilot's neighbouring-tab snippets and
RepoCoder do) is the other common kind of cross-file context besides definitions.
Before building it, this asks the cheap question on the cross-file dataset
(``crossfile_dataset.py``, the records ``bench/crossfile.py`` completes): for each
record, take the most similar window (Jaccard over identifier sets, ``--window`` lines
every ``--stride``) of any *other* file, queried with the ``--query`` lines above the
cursor and the cut line; does that window contain the expected rest of the line?  A
model shown it could copy the answer at best there, so the count bounds what such
snippets can add to exact match.  ``--against`` (a ``crossfile.py`` result with rows)
also counts how many of those records both of its variants missed: the most exact
match the snippets could gain over it.  No model is run.

    .venv/bin/python bench/context/similar_windows.py \\
        --against bench/results/DATE-crossfile.json --json-out bench/results/DATE-similar-windows.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import crossfile_dataset

from benchlib.common import WORK, emit, header, log
from ghost_ls.context.text import IDENTIFIER


@dataclass(frozen=True)
class Window:
    path: str
    start: int
    names: frozenset[str]
    lines: tuple[str, ...]


def windows_of(files: dict[str, list[str]], size: int, stride: int) -> list[Window]:
    out = []
    for path, lines in files.items():
        for start in range(0, max(1, len(lines) - size + 1), stride):
            chunk = tuple(lines[start : start + size])
            out.append(Window(path, start, frozenset(IDENTIFIER.findall("\n".join(chunk))), chunk))
    return out


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def most_similar(query: Sequence[str], path: str, windows: list[Window]) -> tuple[Window, float]:
    names = frozenset(IDENTIFIER.findall("\n".join(query)))
    others = (w for w in windows if w.path != path)  # the file itself would leak the answer
    best = max(others, key=lambda w: jaccard(names, w.names))
    return best, jaccard(names, best.names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--package", default="rich==13.9.4")
    parser.add_argument("--source", type=Path, help="an unpacked source tree (no download)")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--window", type=int, default=12)
    parser.add_argument("--stride", type=int, default=6)
    parser.add_argument("--query", type=int, default=10, help="lines above the cursor queried")
    parser.add_argument("--against", type=Path, help="a crossfile.py result with rows")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    root = (args.source or crossfile_dataset.fetch_sdist(
        args.package, WORK / "crossfile" / args.package.replace("==", "-"))).resolve()
    records = crossfile_dataset.find_records(root, args.limit, args.seed)
    files = {p.relative_to(root).as_posix(): p.read_text("utf-8").split("\n")
             for p in crossfile_dataset.python_files(root)}
    windows = windows_of(files, args.window, args.stride)
    log(f"{len(records)} records, {len(windows)} windows of {len(files)} files")
    earlier: dict[tuple[str, int], dict[str, Any]] = {}
    if args.against:
        for row in json.loads(args.against.read_text("utf-8"))["rows"]:
            earlier[(row["record"]["path"], row["record"]["line"])] = row
    rows = []
    for record in records:
        lines = files[record["path"]]
        query = lines[max(0, record["line"] - args.query) : record["line"]]
        query.append(lines[record["line"]][: record["column"]])
        window, score = most_similar(query, record["path"], windows)
        expected = record["expected"].strip()
        old = earlier.get((record["path"], record["line"]))
        rows.append({
            "path": record["path"], "line": record["line"], "expected": expected,
            "window": f"{window.path}:{window.start + 1}", "similarity": round(score, 3),
            "containsExpected": any(expected in line for line in window.lines),
            "bothMissedBefore": None if old is None
            else not old["with"]["exact"] and not old["without"]["exact"],
        })
    result = header("similar_windows")
    result["settings"] = {k: str(v) if isinstance(v, Path) else v
                          for k, v in vars(args).items() if k != "json_out"}
    holding = [row for row in rows if row["containsExpected"]]
    result["summary"] = {
        "records": len(rows),
        "windows": len(windows),
        "bestWindowContainsExpected": len(holding),
        "ofThoseBothMissedBefore": sum(1 for row in holding if row["bothMissedBefore"]),
        "recordsMatchedAgainst": sum(1 for row in rows if row["bothMissedBefore"] is not None),
    }
    result["rows"] = rows
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
