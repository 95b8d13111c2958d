"""Server overhead per keystroke: everything ghost-ls does around the model, pygls included.

What it measures: ``ghost-ls serve`` over stdio with the scripted backend
(``GHOST_LS_BACKEND=fake``, no delay: the "model" answers in microseconds), so the time
from sending a keystroke's ``textDocument/didChange`` and ``textDocument/inlineCompletion``
to the answer is the server's own work: JSON-RPC and pygls, applying the edit to the
document store, the tree-sitter edit and reparse, context building (window, scopes,
imports, snippets), the cache lookup, the worker hop and the answer.  The document is
a generated 10,000-line Python module with non-ASCII text (accents, CJK, an emoji:
UTF-16 columns differ from code points) and the typing happens right below its imports,
where every edit invalidates the cached imports; a 200-line module of the same kind is
the size control (the work should follow the edit, not the document).

Baseline in the same run: ``--baseline-server DIR``, the ``server/`` folder of another
checkout (e.g. a ``git worktree`` of the commit before a change), started with
``PYTHONPATH=DIR``.  Systems and documents are interleaved, the order rotated per
round.  Reported per (system, document): round trip p50/p95/max, and the per-round
p50s; ratios this / baseline and 10,000 / 200 lines.

    .venv/bin/python bench/server_overhead.py [--baseline-server ../old/server] \\
        [--keys 200] [--rounds 3] [--interval-ms 80] [--json-out FILE]

Keys are sent ``--interval-ms`` apart (a typist; the server's quiet-time work such as
re-indexing runs in the gaps, as it would while typing).  JSON on stdout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from benchlib.common import emit, header, log, ratio, summary
from ghost_ls.devtools.lsp_client import LspClient, default_command

IMPORTS = """import json
import math
import os
import re
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
"""
UNIT = '''

class Kunde{i}:
    """Kundendaten Nr. {i}: Größe, Straße, Café — 顧客の記録 {i}."""

    def __init__(self, name: str, größe: float = 1.0) -> None:
        self.name = name  # «Name» des Kunden
        self.größe = größe
        self.notizen: dict[str, Any] = {{}}

    def beschreibung(self) -> str:
        """Eine kurze Beschreibung, z. B. für Protokolle 📋."""
        teile = [self.name, f"{{self.größe:.2f}} m²", json.dumps(self.notizen)]
        return " · ".join(teile)
'''
UNIT_LINES = UNIT.count("\n")
TYPED = "    ergebnis = math.floor(größe * 2) + len(json.dumps({'schlüssel': '値'})) 🎯\n"
"""What the typist enters, one character a key (an emoji, accents and CJK on the way)."""
FAKE_TEXT = "unlikely_to_be_typed_ħ()"


def module(lines: int) -> tuple[str, int]:
    """A module of about ``lines`` lines and the row to type at (just below the imports)."""
    head = IMPORTS + "\n\ndef rechne(größe: float) -> float:\n    \"\"\"Berechnet etwas.\"\"\"\n"
    row = head.count("\n")
    units = max(1, (lines - row) // UNIT_LINES)
    body = "".join(UNIT.format(i=i) for i in range(units))
    return head + "\n    return größe\n" + body, row  # row: an empty line in the function


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Run:
    """One system typing into one document in one round."""

    system: str
    document: str
    round: int
    round_trips_ms: list[float]
    cache_answers: int
    empty_answers: int
    model_calls: int


def type_into(command: list[str], env: dict[str, str], text: str, row: int, keys: int,
              interval_s: float, workspace: Path) -> tuple[list[float], int, int, int]:
    """Open ``text``, type ``keys`` characters at ``row``; each key's round trip in ms."""
    client = LspClient(command, env=env)
    try:
        client.initialize({"model": "(fake)", "promptLayout": "anchored"}, root=workspace)
        status = client.wait_ready(timeout=120)
        if status["params"]["kind"] != "ready":
            raise RuntimeError(f"server not ready: {status['params']}")
        path = workspace / "modul.py"
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        client.open(uri, text)
        client.inline(uri, row, 0, timeout=60)  # unmeasured warm-up
        before = client.status()
        line, typed_on_line, version = row, "", 1
        trips, cached, empty = [], 0, 0
        sequence = (TYPED * (keys // len(TYPED) + 1))[:keys]
        next_at = time.perf_counter()
        for char in sequence:
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            next_at = time.perf_counter() + interval_s
            column = utf16(typed_on_line)
            version += 1
            started = time.perf_counter()
            client.change(uri, version, char, start=(line, column))
            if char == "\n":
                line, typed_on_line = line + 1, ""
            else:
                typed_on_line += char
            answer = client.inline(uri, line, utf16(typed_on_line), timeout=60)
            trips.append((time.perf_counter() - started) * 1000)
            items = (answer or {}).get("items", []) if isinstance(answer, dict) else (answer or [])
            if not items:
                empty += 1
            elif any((item.get("command") or {}).get("arguments", [{}])[0].get("source") == "cache"
                     for item in items):
                cached += 1
        after = client.status()
        return trips, cached, empty, int(after["modelCalls"]) - int(before["modelCalls"])
    finally:
        client.close()


def per_round_p50(runs: list[Run], rounds: int) -> list[float | None]:
    out: list[float | None] = []
    for number in range(1, rounds + 1):
        trips = [t for run in runs if run.round == number for t in run.round_trips_ms]
        out.append(round(statistics.median(trips), 2) if trips else None)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--baseline-server", type=Path,
                        help="the server/ folder of another checkout, run as the baseline")
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interval-ms", type=float, default=80.0)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--small-lines", type=int, default=200)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)

    fake = {"GHOST_LS_BACKEND": "fake", "GHOST_LS_FAKE_DELAY_MS": "0", "GHOST_LS_FAKE_TEXT": FAKE_TEXT}
    here = str(Path(__file__).resolve().parents[1] / "server")
    systems = {"this": {**fake, "PYTHONPATH": here}}
    if args.baseline_server is not None:
        baseline = args.baseline_server.resolve()
        if not (baseline / "ghost_ls" / "__init__.py").is_file():
            parser.error(f"--baseline-server {baseline}: no ghost_ls package there")
        systems["baseline"] = {**fake, "PYTHONPATH": str(baseline)}
    documents = {f"{args.lines} lines": module(args.lines),
                 f"{args.small_lines} lines": module(args.small_lines)}
    for name, (text, row) in documents.items():
        log(f"{name}: {text.count(chr(10))} lines, {len(text.encode())} bytes, typing at row {row + 1}")
    cells = [(system, document) for document in documents for system in systems]

    result = header("server_overhead")
    result["settings"] = {"keys": args.keys, "rounds": args.rounds, "intervalMs": args.interval_ms,
                          "baselineServer": str(args.baseline_server or ""), "typed": TYPED,
                          "backend": "fake (GHOST_LS_FAKE_DELAY_MS=0)"}
    runs: list[Run] = []
    schedule = []
    with tempfile.TemporaryDirectory() as scratch:
        for round_number in range(1, args.rounds + 1):
            shift = (round_number - 1) % len(cells)
            order = cells[shift:] + cells[:shift]
            schedule.append([f"{s}/{d}" for s, d in order])
            for system, document in order:
                text, row = documents[document]
                workspace = Path(scratch) / f"{system}-{round_number}-{len(text)}"
                workspace.mkdir()
                env = {**os.environ, **systems[system]}
                trips, cached, empty, calls = type_into(default_command(), env, text, row, args.keys,
                                                        args.interval_ms / 1000, workspace)
                runs.append(Run(system, document, round_number, trips, cached, empty, calls))
                log(f"round {round_number} {system} / {document}: p50 "
                    f"{statistics.median(trips):.2f} ms, p95 {summary(trips, 2)['p95']} ms, "
                    f"{calls} model calls, {cached} cache answers")
    cells_out: dict[str, Any] = {}
    for system, document in cells:
        mine = [run for run in runs if run.system == system and run.document == document]
        trips = [t for run in mine for t in run.round_trips_ms]
        cells_out[f"{system}/{document}"] = {
            "roundTripMs": summary(trips, 2),
            "perRoundP50Ms": per_round_p50(mine, args.rounds),
            "modelCalls": sum(run.model_calls for run in mine),
            "cacheAnswers": sum(run.cache_answers for run in mine),
            "emptyAnswers": sum(run.empty_answers for run in mine),
        }
    result["schedule"] = schedule
    result["cells"] = cells_out
    ratios: dict[str, Any] = {}
    big, small = documents
    for system in systems:
        mine, control = cells_out[f"{system}/{big}"], cells_out[f"{system}/{small}"]
        ratios[f"{system}: {big} / {small}, p50"] = ratio(mine["roundTripMs"]["p50"],
                                                          control["roundTripMs"]["p50"])
    if "baseline" in systems:
        for document in documents:
            this, base = cells_out[f"this/{document}"], cells_out[f"baseline/{document}"]
            per_round = [ratio(a, b) for a, b in zip(this["perRoundP50Ms"], base["perRoundP50Ms"],
                                                     strict=True)]
            ratios[f"this / baseline, {document}, p50 per round"] = per_round
            ratios[f"this / baseline, {document}, p95"] = ratio(this["roundTripMs"]["p95"],
                                                                base["roundTripMs"]["p95"])
    result["ratios"] = ratios
    this_big = cells_out[f"this/{big}"]["roundTripMs"]
    result["targets"] = {"p50Ms<3": this_big["p50"], "p95Ms<10": this_big["p95"]}
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
