"""Cross-file completion: does ghost-ls' cross-file context make the completed line better?

What it measures: bench/context/crossfile_dataset.py (owned by the context engineer)
finds lines of a real package (``rich`` by default, fetched with pip into bench/.work)
that use a symbol defined in exactly one OTHER file, and cuts each line at the symbol.
For each record it builds two PromptContexts over the same workspace-indexed
ContextBuilder: with the cross-file definition snippets and without them (everything
else identical).  ghost-ls' Completer (in-process, the server's code path) completes
both with the same model, and the completed line (first line of the suggestion) is
scored against the masked rest of the line:
- exact match (whitespace-trimmed),
- edit similarity (1 - Levenshtein distance / longer length),
- symbol hit (the suggestion starts with the masked symbol).
A paired sign test says whether the difference with/without could be chance.

Run:  .venv/bin/python bench/crossfile.py --limit 40 --json-out bench/out/crossfile.json
      (--package rich==13.9.4, --source DIR for an unpacked tree, --model NAME|PATH)
JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from benchlib.common import BENCH, WORK, edit_similarity, emit, header, log, ratio, sign_test, summary
from benchlib.inprocess import Ghost

DATASET = BENCH / "context" / "crossfile_dataset.py"
VARIANTS = ("with", "without")


def load_dataset_module() -> ModuleType:
    if not DATASET.is_file():
        raise SystemExit(f"{DATASET} is missing (the cross-file dataset builder)")
    spec = importlib.util.spec_from_file_location("crossfile_dataset", DATASET)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["crossfile_dataset"] = module
    spec.loader.exec_module(module)
    return module


def score_line(generated: str, record: dict[str, Any]) -> dict[str, Any]:
    line = generated.split("\n", 1)[0].rstrip()
    expected = record["expected"].rstrip()
    return {
        "text": line[:200],
        "exact": line.strip() == expected.strip(),
        "editSimilarity": round(edit_similarity(line.strip(), expected.strip()), 4),
        "symbolHit": line.lstrip().startswith(record["symbol"]),
    }


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(rows)}
    for variant in VARIANTS:
        scored = [row[variant] for row in rows]
        out[variant] = {
            "exactMatch": ratio(sum(s["exact"] for s in scored), len(scored)),
            "editSimilarity": summary([s["editSimilarity"] for s in scored], 3),
            "symbolHit": ratio(sum(s["symbolHit"] for s in scored), len(scored)),
            "secondsPerRecord": summary([s["seconds"] for s in scored], 3),
            "promptTokens": summary([s["promptTokens"] for s in scored], 0),
        }
    wins = sum(1 for r in rows if r["with"]["exact"] and not r["without"]["exact"])
    losses = sum(1 for r in rows if r["without"]["exact"] and not r["with"]["exact"])
    better = sum(1 for r in rows if r["with"]["editSimilarity"] > r["without"]["editSimilarity"])
    worse = sum(1 for r in rows if r["with"]["editSimilarity"] < r["without"]["editSimilarity"])
    out["paired"] = {
        "exactWithOnly": wins, "exactWithoutOnly": losses, "exactSignTestP": sign_test(wins, losses),
        "editSimilarityBetter": better, "editSimilarityWorse": worse,
        "editSimilaritySignTestP": sign_test(better, worse),
    }
    out["definitionInPrompt"] = ratio(sum(r["definitionInPrompt"] for r in rows), len(rows))
    out["withSnippetsDiffer"] = sum(1 for r in rows if r["snippetsDiffer"])
    return out


def run_record(ghost: Ghost, dataset: ModuleType, builder: Any, record: dict[str, Any]
               ) -> dict[str, Any] | None:
    with_defs, without = dataset.build_contexts(builder, record)
    if with_defs is None or without is None:
        return None
    definitions = [s for s in with_defs.snippets if s.kind == "definition"]
    row: dict[str, Any] = {
        "record": {k: record[k] for k in ("path", "line", "symbol", "defined_in", "expected")},
        "mode": with_defs.mode.value,
        "definitionInPrompt": any(s.path == record["defined_in"] and record["symbol"] in s.text
                                  for s in definitions),
        "snippetsDiffer": with_defs.snippets != without.snippets,
    }
    for variant, context in zip(VARIANTS, (with_defs, without), strict=True):
        generated = ghost.complete(context)
        row[variant] = {**score_line(generated.text, record), **generated.as_row()}
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--package", default="rich==13.9.4")
    parser.add_argument("--source", type=Path, help="an unpacked source tree (no download)")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompt-tokens", type=int, default=1024)
    parser.add_argument("--rows", action="store_true", help="include per-record rows")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    dataset = load_dataset_module()
    root = (args.source or dataset.fetch_sdist(args.package, WORK / "crossfile" /
                                               args.package.replace("==", "-"))).resolve()
    records = dataset.find_records(root, args.limit, args.seed)
    log(f"{len(records)} records from {root}")
    ghost = Ghost(args.model, max_tokens=args.max_tokens, threads=args.threads)
    builder = dataset.builder_for(root, args.prompt_tokens)
    builder.set_token_counter(ghost.backend.count_tokens)
    builder.set_model_reads_suffix(ghost.host.format.fim is not None)
    result = header("crossfile")
    result["model"] = {"name": args.model, "promptFormat": ghost.prompt_format}
    result["settings"] = {k: str(v) if isinstance(v, Path) else v
                          for k, v in vars(args).items() if k != "json_out"}
    rows = []
    started = time.perf_counter()
    try:
        for number, record in enumerate(records):
            row = run_record(ghost, dataset, builder, record)
            if row is None:
                log(f"{number + 1}/{len(records)}: no context, skipped")
                continue
            rows.append(row)
            log(f"{number + 1}/{len(records)} {record['path']}:{record['line'] + 1} "
                f"exact with={int(row['with']['exact'])} without={int(row['without']['exact'])}")
    finally:
        builder.close()
        ghost.close()
    result["scores"] = aggregate(rows)
    result["seconds"] = round(time.perf_counter() - started, 1)
    if args.rows:
        result["rows"] = rows
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
