"""Typing through a suggestion: is the rest of an earlier generation as good as asking again?

When the user types the first characters of a suggestion, ghost-ls answers the next
request with the rest of the text it has already generated: from the typing-through
cache, or by waiting for the generation still running (``joinRunning``,
server/ghost_ls/running.py).  A fresh request at that point would show the model the
typed characters in its prompt, and it could write something else.  This measures what
the shortcut costs, on HumanEval single-line infilling through the LSP
(``bench/humaneval.py``'s tasks, documents and test harness):

1. ghost-ls answers at the cursor (column 0 of the empty line): suggestion A;
2. for each K of ``--typed`` (characters): the first K characters of A are typed at the
   cursor (``didChange``) and ghost-ls is asked there: its answer is the *reused* one
   (``source`` says where it came from: ``cache`` is expected);
3. then ``ghost.clearCache`` and the same request again: the model writes a *fresh*
   answer with the typed characters in its prompt.

The reused and fresh documents (typed characters + answer) run through the tests;
pass@1 of each, the paired sign test, and every task where the two texts differ.  A
task whose suggestion's first line has no more than K characters is left out of that K.
Each K uses its own document, opened fresh.

Run:  .venv/bin/python bench/typed_through.py --json-out bench/results/DATE-typed-through.json
      (--model NAME, --limit 100, --typed 1,4, --seed 0)
JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from benchlib.common import emit, header, log, ratio
from benchlib.execute import run_program
from ghost_ls.devtools.lsp_client import LspClient
from humaneval import DATA, apply_item, document_of, load_tasks, program, sign_test


def first_item(client: LspClient, uri: str, line: int, column: int) -> dict[str, Any] | None:
    result = client.inline(uri, line, column, timeout=600)
    items = (result or {}).get("items") or []
    return items[0] if items else None


def item_text(item: dict[str, Any] | None) -> str:
    text = (item or {}).get("insertText", "")
    return text if isinstance(text, str) else str(text.get("value", ""))


def item_source(item: dict[str, Any] | None) -> str:
    if not item:
        return "none"
    return str(item["command"]["arguments"][0].get("source", "?"))


def run_task(client: LspClient, number: int, task: dict[str, Any], typed: list[int],
             timeout: float) -> dict[str, Any]:
    text, line, column = document_of(task)
    row: dict[str, Any] = {"task": task["task_id"], "byTyped": {}}
    for count in typed:
        uri = f"file:///typed_through/{number}/k{count}/main.py"
        client.open(uri, text, "python", 1)
        try:
            first = item_text(first_item(client, uri, line, column))
            head = first.split("\n", 1)[0]
            row.setdefault("suggestions", {})[str(count)] = first  # KV history can change it
            if len(head) <= count:
                continue
            typed_text = head[:count]
            client.change(uri, 2, typed_text, start=(line, column))
            document = apply_item(text, {"insertText": typed_text}, line)
            reused = first_item(client, uri, line, column + count)
            client.clear_cache()
            fresh = first_item(client, uri, line, column + count)
            entry: dict[str, Any] = {"typed": typed_text}
            for name, item in (("reused", reused), ("fresh", fresh)):
                completed = apply_item(document, item, line)  # its range: this document's
                passed, reason = run_program(program(completed, task), timeout)
                entry[name] = {"passed": passed, "reason": reason, "text": item_text(item),
                               "source": item_source(item)}
            row["byTyped"][str(count)] = entry
        finally:
            client.close_document(uri)
    return row


def summarize(rows: list[dict[str, Any]], count: int) -> dict[str, Any]:
    entries = [(row["task"], row["byTyped"][str(count)]) for row in rows
               if str(count) in row["byTyped"]]
    n = len(entries)
    reused = sum(1 for _, e in entries if e["reused"]["passed"])
    fresh = sum(1 for _, e in entries if e["fresh"]["passed"])
    reused_only = [t for t, e in entries if e["reused"]["passed"] and not e["fresh"]["passed"]]
    fresh_only = [t for t, e in entries if e["fresh"]["passed"] and not e["reused"]["passed"]]
    sources: dict[str, int] = {}
    for _, entry in entries:
        sources[entry["reused"]["source"]] = sources.get(entry["reused"]["source"], 0) + 1
    return {
        "n": n,
        "reusedPassAt1": ratio(reused, n), "freshPassAt1": ratio(fresh, n),
        "paired": {"reusedOnly": len(reused_only), "freshOnly": len(fresh_only),
                   "signTestP": sign_test(len(reused_only), len(fresh_only))},
        "textsDiffer": sum(1 for _, e in entries if e["reused"]["text"] != e["fresh"]["text"]),
        "reusedSources": sources,
        "differences": [{"task": t, "typed": e["typed"], "reused": e["reused"]["text"][:200],
                         "fresh": e["fresh"]["text"][:200], "reusedPassed": e["reused"]["passed"],
                         "freshPassed": e["fresh"]["passed"]}
                        for t, e in entries if e["reused"]["text"] != e["fresh"]["text"]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--typed", default="1,4", help="characters of the suggestion typed")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per program")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    typed = sorted({int(value) for value in args.typed.split(",") if value})
    result = header("typed-through")
    result["settings"] = {k: str(v) if isinstance(v, Path) else v
                          for k, v in vars(args).items() if k != "json_out"}
    client = LspClient([sys.executable, "-m", "ghost_ls", "serve"])
    try:
        client.initialize({"model": args.model, "maxTokens": args.max_tokens,
                           "threads": args.threads, "indexWorkspace": False, "timeoutMs": 60000})
        status = client.wait_ready(600)
        if status["params"]["kind"] != "ready":
            raise SystemExit(f"ghost-ls did not load its model: {status['params']}")
        rows = []
        tasks = load_tasks("single", args.limit, args.seed, args.data)
        for number, task in enumerate(tasks):
            rows.append(run_task(client, number, task, typed, args.timeout))
            log(f"{number + 1}/{len(tasks)} {task['task_id']} " + " ".join(
                f"k{k}: reused={int(e['reused']['passed'])} fresh={int(e['fresh']['passed'])}"
                for k, e in rows[-1]["byTyped"].items()))
        result["byTyped"] = {str(count): summarize(rows, count) for count in typed}
        result["rows"] = rows
    finally:
        client.close()
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
