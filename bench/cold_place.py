"""Cold place: the first suggestion at a place of a file the server has never read.

What it measures: real lines of four pinned packages (Python, TypeScript, Go, Rust;
``benchlib/cold_cases.py``, fetched by ``fetch_sources.py`` into
``~/.cache/ghost-ls/bench-sources``).  For each case an editor arrives at a fresh place:

1. it opens up to three neighbour files of the same package, then the case's file with
   the cursor's line emptied (``didOpen``, real paths, the language's id);
2. with ``--rest-seconds S`` > 0 the cursor rests on that empty line for S seconds
   (ghost-ls is sent ``ghost/didFocus`` there first; the other systems only wait);
3. the user types the line's prefix: its indentation in one edit (auto-indent), then one
   ``didChange`` per character, back to back;
4. one ``textDocument/inlineCompletion`` (trigger kind Automatic) at the cursor; the
   client-side time until the answer is the **time to suggestion**.

The suggestion is applied to the line and compared with the real line: **exact match**
and **edit similarity** of what follows the typed prefix.  Systems, same model file,
interleaved per case (the order rotates with the case and the round):

- ``ghost``: ``ghost-ls serve`` over stdio; prompt tokens read from ``ghost/status``
  (``lastPromptTokens``, ``tokensReused``, ``tokensEvaluatedTotal`` before and after);
- ``ghost-full``: the same with ``coldPromptTokens: 0`` (the full prompt read at once,
  no short prompt first), to weigh what the short prompt costs in quality;
- ``plain``: ``baselines/naive_server.py --stop-at-newline`` (humaneval.py's plain FIM
  server: 60 lines above, 20 below, KV reset per request, greedy, newline stop);
- ``llama-vim``: llama.cpp's ``llama-server`` (``setup_llama_cpp.sh``; skipped when not
  built) driven as llama.vim (github.com/ggml-org/llama.vim, ``autoload/llama.vim``)
  drives it: ``/infill`` with ``input_prefix`` (256 lines), ``prompt`` (the line up to
  the cursor; empty, with ``n_indent`` 0, on a line of only whitespace),
  ``input_suffix`` (64 lines), ``n_predict`` 128, ``t_max_prompt_ms`` 500,
  ``t_max_predict_ms`` 250 (its first request), ``cache_prompt``, ``id_slot`` 0, not
  streamed; ``input_extra`` from its ring buffer: a chunk is queued on entering each
  buffer (the first 33 lines of a neighbour just opened; 32 random lines within 32 of
  the cursor for the case's file), one queued chunk moves to the ring per second while
  the cursor rests (``ring_update_ms`` 1000), each move followed by llama.vim's
  ``n_predict: 0`` request that evaluates the ring; before the request ring chunks
  too similar to a chunk around the cursor (> 0.5) are evicted, as llama.vim does.
  Greedy sampling instead of llama.vim's ``infill`` sampler (as for every system);
  the answer applied as llama.vim renders it (on a line of only whitespace, the
  suggestion's leading whitespace trimmed up to the line's).

Each system is one process per (rest, round), warmed once on an unrelated snippet;
every case is a different file, and no case's file is another's neighbour, so every
case's file is new to the server.  The **floor** of an answer is its prompt tokens read
after the rest / pp + generated tokens / tg, with pp and tg from ``llama-bench`` run
before and after the systems (as in typing_replay.py; skipped when not built).
ghost-ls' counters move when a generation ends, so a request that joined the warming
begun during the rest is charged all of that warming's tokens: such rows get no floor
(``floorUnknown``).  ``restEvaluatedTokens`` counts only what finished during the rest.
``--load N`` runs N busy processes beside the whole run (``benchlib/load.py``);
``--local DIR`` takes Python cases from a local folder instead (offline smoke runs);
``--rescore RESULT.json`` recomputes floors and summaries from a saved result's rows.

Run:  flock /tmp/ghost-model.lock .venv/bin/python bench/cold_place.py --per-language 3 \\
          --rest-seconds 0,5 --json-out bench/results/DATE-cold-place-MODEL.json
JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchlib.cold_cases import PACKAGES, Case, Package, extract_cases, score_line
from benchlib.common import BENCH, emit, header, log, ratio, resolve_model, sign_test, summary
from benchlib.http_driver import llama_vim_infill
from benchlib.keystrokes import utf16_column
from benchlib.llamacpp import LlamaServer, bin_dir, binary, llama_bench
from benchlib.load import add_load_arguments, cpu_load
from fetch_sources import ensure
from ghost_ls.devtools.lsp_client import LspClient

SYSTEMS = ("ghost", "ghost-full", "plain", "llama-vim")
BASELINES = ("ghost-full", "plain", "llama-vim")
LLAMA_VIM_N_PREDICT = 128
RING_CHUNK_SIZE = 64
RING_N_CHUNKS = 16
RING_UPDATE_SECONDS = 1.0
NON_WORD = re.compile(r"[^0-9A-Za-z_]+")
DEFAULT_LLAMA_SERVER_ARGS = "-b 1024 -ub 1024 --cache-reuse 256 --swa-full"
STOP = threading.Event()
"""Set by SIGTERM: no new case starts."""
GHOST_COUNTERS = ("requests", "modelCalls", "cacheHits", "joined", "warmed", "timeouts",
                  "cancelled", "staleDropped", "secondLooks")
"""ghost/status counters each row gives (their change from before the rest to the answer)."""
WARM_UP = ("def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    ", 4, 4)
"""An unrelated snippet each process answers once, unmeasured, before its first case."""


def apply_item(lines: list[str], item: dict[str, Any] | None, line: int, character: int) -> str:
    """The cursor's line after ``item`` was applied over its range (at the cursor if none)."""
    if not item:
        return lines[line]
    start = (item.get("range") or {}).get("start") or {"line": line, "character": character}
    end = (item.get("range") or {}).get("end") or start
    insert = item.get("insertText", "")
    if isinstance(insert, dict):
        insert = insert.get("value", "")

    def index(row: int, utf16: int) -> int:
        text, units, count = lines[row], 0, 0
        for char in text:
            if units >= utf16:
                break
            units += 2 if ord(char) > 0xFFFF else 1
            count += 1
        return count

    head = lines[start["line"]][: index(start["line"], start["character"])]
    tail = lines[end["line"]][index(end["line"], end["character"]):]
    joined = (head + insert + tail).split("\n")
    return joined[line - start["line"]] if line - start["line"] < len(joined) else ""


class LspSystem:
    """ghost-ls or the plain FIM server over stdio, driven through one case at a time."""

    def __init__(self, name: str, command: list[str], options: dict[str, Any], root: Path | None
                 ) -> None:
        self.name = name
        self.status_method = "ghost/status" if name.startswith("ghost") else "naive/status"
        self.client = LspClient(command)
        self.client.initialize(options, root=root)
        if name.startswith("ghost"):
            ready = self.client.wait_ready(600)
            if ready["params"]["kind"] != "ready":
                raise SystemExit(f"ghost-ls did not load its model: {ready['params']}")
        text, line, column = WARM_UP
        self.client.open("file:///cold-place-warm-up/warm_up.py", text, "python", 1)
        self.client.inline("file:///cold-place-warm-up/warm_up.py", line, column, timeout=600)
        self.client.close_document("file:///cold-place-warm-up/warm_up.py")

    def counters(self) -> dict[str, Any]:
        status: dict[str, Any] = self.client.request(self.status_method, None, timeout=600)
        return status

    def run_case(self, case: Case, rest: float) -> dict[str, Any]:
        uris = []
        for neighbour in case.neighbours:
            uris.append(neighbour.as_uri())
            self.client.open(uris[-1], neighbour.read_text(encoding="utf-8"), case.language_id, 1)
        uri = case.path.as_uri()
        uris.append(uri)
        lines = case.document().split("\n")
        self.client.open(uri, "\n".join(lines), case.language_id, 1)
        before_rest = self.counters()
        if rest > 0:
            if self.name.startswith("ghost"):
                self.client.focus(uri, case.line, 0)
            time.sleep(rest)
        before = self.counters()
        version = 1
        pieces = ([case.indent] if case.indent else []) + list(case.prefix[len(case.indent):])
        for piece in pieces:
            at = (case.line, utf16_column(lines[case.line], len(lines[case.line])))
            version += 1
            lines[case.line] += piece
            self.client.change(uri, version, piece, start=at)
        character = utf16_column(lines[case.line], len(lines[case.line]))
        started = time.perf_counter()
        result = self.client.inline(uri, case.line, character, timeout=600)
        latency = (time.perf_counter() - started) * 1000
        after = self.counters()
        for opened in uris:
            self.client.close_document(opened)
        items = (result or {}).get("items") or [] if isinstance(result, dict) else result or []
        item = items[0] if items else None
        row: dict[str, Any] = {"latencyMs": round(latency, 1), "answered": item is not None,
                               **score_line(apply_item(lines, item, case.line, character), case)}
        row.update(self.tokens(before_rest, before, after))
        return row

    def tokens(self, before_rest: dict[str, Any], before: dict[str, Any], after: dict[str, Any]
               ) -> dict[str, Any]:
        """What the model read and wrote: during the rest, and after it (the timed part)."""
        def delta(name: str, since: dict[str, Any]) -> int:
            return int(after.get(name, 0) - since.get(name, 0))

        model_calls = delta("modelCalls", before)
        if self.name.startswith("ghost"):
            prompt = after.get("lastPromptTokens") if model_calls else None
            reused = after.get("tokensReused") if model_calls else None
            prompt_ms = after.get("lastPromptMs") if model_calls else None
            threads = after.get("lastThreads")
        else:
            prompt = after.get("lastEvaluatedTokens") if model_calls else None
            reused, prompt_ms = 0 if model_calls else None, None
            threads = None
        return {
            "modelCalls": model_calls,
            "promptTokens": prompt,
            "reusedTokens": reused,
            "evaluatedTokens": delta("tokensEvaluatedTotal", before),
            "generatedTokens": delta("tokensGeneratedTotal", before),
            "promptMs": prompt_ms,
            "threads": threads,
            "restEvaluatedTokens": int(before.get("tokensEvaluatedTotal", 0)
                                       - before_rest.get("tokensEvaluatedTotal", 0)),
            "restModelCalls": int(before.get("modelCalls", 0) - before_rest.get("modelCalls", 0)),
            **({"counters": {name: delta(name, before_rest) for name in GHOST_COUNTERS}}
               if self.name.startswith("ghost") else {}),
        }

    def close(self) -> None:
        self.client.close()


def chunk_sim(first: list[str], second: list[str]) -> float:
    """llama.vim's ``s:chunk_sim``: word tokens of the second chunk found in the first,
    twice over all tokens of both (vim's ``split(text, '\\W\\+')``)."""
    tokens0 = [t for t in NON_WORD.split("\n".join(first)) if t]
    tokens1 = [t for t in NON_WORD.split("\n".join(second)) if t]
    if not tokens0 and not tokens1:
        return 1.0
    seen = set(tokens0)
    common = sum(1 for token in tokens1 if token in seen)
    return 2.0 * common / (len(tokens0) + len(tokens1))


class Ring:
    """llama.vim's ring buffer of extra-context chunks (``s:pick_chunk``, ``s:ring_update``)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.queued: list[dict[str, Any]] = []
        self.chunks: list[dict[str, Any]] = []
        self.evicted = 0

    def pick(self, text: list[str], filename: str) -> None:
        """Queue a chunk of ``text`` (llama.vim's ``pick_chunk`` with ``do_evict``)."""
        if len(text) < 3:
            return
        if len(text) + 1 < RING_CHUNK_SIZE:
            chunk = text
        else:
            first = self.rng.randint(0, max(0, len(text) - RING_CHUNK_SIZE // 2))
            chunk = text[first : min(first + RING_CHUNK_SIZE // 2, len(text)) + 1]
        if any(entry["data"] == chunk for entry in self.queued + self.chunks):
            return
        for pool in (self.queued, self.chunks):
            for entry in [e for e in pool if chunk_sim(e["data"], chunk) > 0.9]:
                pool.remove(entry)
                self.evicted += 1
        if len(self.queued) == 16:
            self.queued.pop(0)
        self.queued.append({"data": chunk, "filename": filename})

    def update(self) -> bool:
        """Move the first queued chunk into the ring; True when one moved."""
        if not self.queued:
            return False
        if len(self.chunks) == RING_N_CHUNKS:
            self.chunks.pop(0)
        self.chunks.append(self.queued.pop(0))
        return True

    def evict_similar(self, around_cursor: list[str]) -> None:
        """Before a request: drop ring chunks much like the text around the cursor."""
        for entry in [e for e in self.chunks if chunk_sim(e["data"], around_cursor) > 0.5]:
            self.chunks.remove(entry)
            self.evicted += 1

    def extra(self) -> list[dict[str, Any]]:
        return [{"text": "\n".join(entry["data"]) + "\n", "filename": entry["filename"]}
                for entry in self.chunks]


def around(lines: list[str], line: int, rng: random.Random) -> list[str]:
    """llama.vim's random half-chunk from the ``RING_CHUNK_SIZE`` lines around ``line``."""
    half = RING_CHUNK_SIZE // 2
    text = lines[max(0, line - half) : min(line + half, len(lines) - 1) + 1]
    first = rng.randint(0, max(0, len(text) - half))
    return text[first : min(first + half, len(text)) + 1]


class LlamaVimSystem:
    """llama-server driven with llama.vim's requests (see the module docstring)."""

    name = "llama-vim"

    def __init__(self, model: Path, args: argparse.Namespace) -> None:
        self.server = LlamaServer(model, args.threads, args.context, args.llama_server_args.split(),
                                  log_name="llama-server-cold-place.log")
        self.server.wait_ready(600)
        self.seed = args.seed
        self.time_limits = args.llama_vim_time_limits
        text, line, column = WARM_UP
        self.post(self.infill(text.split("\n"), line, column, []))

    def post(self, payload: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(self.server.url("/infill"), json.dumps(payload).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as response:
            answer: dict[str, Any] = json.loads(response.read().decode("utf-8"))
        return answer

    def infill(self, lines: list[str], line: int, column: int, extra: list[dict[str, Any]]
               ) -> dict[str, Any]:
        return llama_vim_infill(lines, line, column, n_predict=LLAMA_VIM_N_PREDICT, stop=[],
                                stream=False, time_limits=self.time_limits, extra=extra)

    def ring_request(self, extra: list[dict[str, Any]]) -> dict[str, Any]:
        """llama.vim's ``ring_update`` request: evaluate the ring, predict nothing."""
        return self.post({"id_slot": 0, "input_prefix": "", "input_suffix": "",
                          "input_extra": extra, "prompt": "", "n_predict": 0,
                          "temperature": 0.0, "samplers": [], "stream": False,
                          "cache_prompt": True, "t_max_prompt_ms": 1, "t_max_predict_ms": 1,
                          "response_fields": ["timings/prompt_n"]})

    def rest(self, ring: Ring, rest: float) -> tuple[list[threading.Thread], list[int]]:
        """The cursor rests ``rest`` seconds: at each full second before the end one queued
        chunk moves into the ring and the ring is sent (not waited for: llama.vim's job is
        asynchronous, so the request typed next may queue behind it)."""
        evaluated: list[int] = []
        threads: list[threading.Thread] = []

        def send(extra: list[dict[str, Any]]) -> None:
            evaluated.append(int(self.ring_request(extra).get("timings/prompt_n") or 0))

        deadline = time.monotonic() + rest
        tick = time.monotonic() + RING_UPDATE_SECONDS
        while tick < deadline - 1e-3:
            time.sleep(max(0.0, tick - time.monotonic()))
            tick += RING_UPDATE_SECONDS
            if ring.update():
                threads.append(threading.Thread(target=send, args=(ring.extra(),), daemon=True))
                threads[-1].start()
        time.sleep(max(0.0, deadline - time.monotonic()))
        return threads, evaluated

    def run_case(self, case: Case, rest: float, round_number: int) -> dict[str, Any]:
        rng = random.Random(f"{self.seed}:{case.case_id}:{round_number}")
        ring = Ring(rng)
        for neighbour in case.neighbours:  # BufEnter with the cursor on line 1
            text = neighbour.read_text(encoding="utf-8").split("\n")
            ring.pick(text[: RING_CHUNK_SIZE // 2 + 1], neighbour.name)
        lines = case.document().split("\n")
        half = RING_CHUNK_SIZE // 2
        ring.pick(lines[max(0, case.line - half) : case.line + half + 1], case.path.name)
        threads, rest_evaluated = self.rest(ring, rest)
        lines[case.line] = case.prefix
        ring.evict_similar(around(lines, case.line, rng))
        payload = self.infill(lines, case.line, len(case.prefix), ring.extra())
        started = time.perf_counter()
        answer = self.post(payload)
        latency = (time.perf_counter() - started) * 1000
        for thread in threads:
            thread.join(600)
        content = str(answer.get("content", ""))
        first = content.split("\n", 1)[0]
        typed = lines[case.line]
        if typed.strip() == "":  # llama.vim trims the suggestion's lead on a blank line
            first = first[min(len(first) - len(first.lstrip(" \t")), len(typed)):]
        row: dict[str, Any] = {"latencyMs": round(latency, 1), "answered": bool(content.strip()),
                               **score_line(typed + first, case)}
        cached = answer.get("tokens_cached")
        evaluated = answer.get("timings/prompt_n")
        row.update({
            "modelCalls": 1,
            "promptTokens": cached - (answer.get("timings/predicted_n") or 0)
            if isinstance(cached, int) else None,
            "reusedTokens": (cached - (answer.get("timings/predicted_n") or 0) - evaluated)
            if isinstance(cached, int) and isinstance(evaluated, int) else None,
            "evaluatedTokens": evaluated,
            "generatedTokens": answer.get("timings/predicted_n"),
            "promptMs": answer.get("timings/prompt_ms"),
            "restEvaluatedTokens": sum(rest_evaluated),
            "restModelCalls": len(threads),
            "ringChunks": len(ring.chunks),
            "ringQueued": len(ring.queued),
        })
        return row

    def close(self) -> None:
        self.server.close()


def start_system(name: str, args: argparse.Namespace, model: Path, root: Path | None
                 ) -> LspSystem | LlamaVimSystem:
    if name.startswith("ghost"):
        # threads and timeoutMs stay ghost-ls' own (threads: 0 picks them from the load);
        # --ghost-settings may set them, as any other setting
        options = {"model": str(model), "maxTokens": args.max_tokens,
                   "indexWorkspace": False, **json.loads(args.ghost_settings),
                   **({"coldPromptTokens": 0} if name == "ghost-full" else {})}
        return LspSystem(name, [sys.executable, "-m", "ghost_ls", "serve"], options, root)
    if name == "plain":
        command = [sys.executable, str(BENCH / "baselines" / "naive_server.py"), "--model", str(model),
                   "--threads", str(args.threads), "--window-lines", "60", "--suffix-lines", "20",
                   "--context", str(args.context), "--stop-at-newline",
                   "--max-tokens", str(args.max_tokens)]
        return LspSystem(name, command, {}, root)
    return LlamaVimSystem(model, args)


def run_all(args: argparse.Namespace, model: Path, cases: list[Case], systems: list[str]
            ) -> list[dict[str, Any]]:
    """Every (rest, round, case, system), systems interleaved per case; failures kept."""
    rows: list[dict[str, Any]] = []
    for rest in args.rests:
        for round_number in range(1, args.rounds + 1):
            started: dict[str, LspSystem | LlamaVimSystem] = {}
            try:
                for name in systems:
                    log(f"rest {rest:g} s round {round_number}: starting {name}")
                    started[name] = start_system(name, args, model, None)
                for number, case in enumerate(cases):
                    if STOP.is_set():
                        log("stopped by SIGTERM: the result is partial")
                        return rows
                    shift = (number + round_number) % len(systems)
                    for position, name in enumerate(systems[shift:] + systems[:shift]):
                        rows.append(run_one(started[name], case, rest, round_number, position))
            finally:
                for system in started.values():
                    system.close()
    return rows


def run_one(system: LspSystem | LlamaVimSystem, case: Case, rest: float, round_number: int,
            position: int) -> dict[str, Any]:
    row: dict[str, Any] = {"case": case.case_id, "language": case.language, "kind": case.kind,
                           "rest": rest, "round": round_number, "system": system.name,
                           "position": position, "loadAverage1m": round(os.getloadavg()[0], 2)}
    try:
        if isinstance(system, LlamaVimSystem):
            row.update(system.run_case(case, rest, round_number))
        else:
            row.update(system.run_case(case, rest))
    except Exception as error:  # keep the other rows; say what failed
        row["failure"] = f"{type(error).__name__}: {error}"
    log(f"rest {rest:g} round {round_number} {system.name:9s} {case.case_id}: "
        + (f"FAILED {row['failure']}" if "failure" in row else
           f"{row['latencyMs']} ms exact={int(row['exact'])} sim={row['editSimilarity']} "
           f"read {row['evaluatedTokens']} (rest {row['restEvaluatedTokens']}) {row['guess']!r}"))
    return row


def add_floor(rows: list[dict[str, Any]], floor: dict[str, Any]) -> None:
    """Each answer's floor: tokens read after the rest / pp + generated / tg (ms); and
    ``coldFloorMs``, the same with the whole prompt read (nothing reused)."""
    pp, tg = floor.get("ppForFloor"), floor.get("tgTokensPerSecond")
    for row in rows:
        for name in ("floorMs", "latencyOverFloor", "coldFloorMs", "floorUnknown"):
            row.pop(name, None)
        if not pp or not tg or "failure" in row or row.get("evaluatedTokens") is None:
            continue
        if (row.get("counters") or {}).get("joined"):
            # ghost-ls' counters move when a generation ends: a request that joined the
            # warming begun in the rest gets all of its tokens, read partly before the typing
            row["floorUnknown"] = "joined the warming begun during the rest"
            continue
        generated = (row.get("generatedTokens") or 0) / tg
        floor_ms = 1000 * (row["evaluatedTokens"] / pp + generated)
        row["floorMs"] = round(floor_ms, 1)
        row["latencyOverFloor"] = ratio(row["latencyMs"], floor_ms)
        if row.get("promptTokens") is not None:  # the whole prompt read cold
            row["coldFloorMs"] = round(1000 * (row["promptTokens"] / pp + generated), 1)


def metrics(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One system's rows (one rest): latency, quality, tokens, floor."""
    done = [row for row in rows if "failure" not in row]

    def values(name: str) -> list[float]:
        return [row[name] for row in done if isinstance(row.get(name), (int, float))]

    def quality(chosen: list[dict[str, Any]]) -> dict[str, Any]:
        return {"n": len(chosen),
                "exactMatch": ratio(sum(1 for row in chosen if row["exact"]), len(chosen)),
                "editSimilarity": (round(statistics.fmean(row["editSimilarity"] for row in chosen), 3)
                                   if chosen else None),
                "latencyP50Ms": summary([row["latencyMs"] for row in chosen])["p50"]}

    return {
        "n": len(rows), "failures": len(rows) - len(done),
        "answered": sum(1 for row in done if row["answered"]),
        **{key: value for key, value in quality(done).items() if key != "latencyP50Ms"},
        "latencyMs": summary(values("latencyMs")),
        "promptTokens": summary(values("promptTokens")),
        "evaluatedTokens": summary(values("evaluatedTokens")),
        "reusedTokens": summary(values("reusedTokens")),
        "generatedTokens": summary(values("generatedTokens")),
        "restEvaluatedTokens": summary(values("restEvaluatedTokens")),
        "floorMs": summary(values("floorMs")),
        "coldFloorMs": summary(values("coldFloorMs")),
        "latencyOverFloor": summary(values("latencyOverFloor"), 3),
        "floorUnknown": sum(1 for row in done if "floorUnknown" in row),
        "byLanguage": {language: quality([r for r in done if r["language"] == language])
                       for language in sorted({r["language"] for r in done})},
        "byKind": {kind: quality([r for r in done if r["kind"] == kind])
                   for kind in sorted({r["kind"] for r in done})},
    }


def compare(rows: list[dict[str, Any]], system: str, baseline: str) -> dict[str, Any]:
    """``system`` against ``baseline`` on the same (case, round): wins and losses."""
    def key(row: dict[str, Any]) -> tuple[str, int]:
        return row["case"], row["round"]

    base = {key(r): r for r in rows if r["system"] == baseline and "failure" not in r}
    pairs = [(r, base[key(r)]) for r in rows
             if r["system"] == system and "failure" not in r and key(r) in base]
    exact_wins = sum(1 for a, b in pairs if a["exact"] and not b["exact"])
    exact_losses = sum(1 for a, b in pairs if b["exact"] and not a["exact"])
    faster = sum(1 for a, b in pairs if a["latencyMs"] < b["latencyMs"])
    ratios = [a["latencyMs"] / b["latencyMs"] for a, b in pairs if b["latencyMs"] > 0]
    return {
        "pairs": len(pairs),
        "exact": {"wins": exact_wins, "losses": exact_losses,
                  "signTestP": sign_test(exact_wins, exact_losses)},
        "editSimilarity": {"wins": sum(1 for a, b in pairs if a["editSimilarity"] > b["editSimilarity"]),
                           "losses": sum(1 for a, b in pairs
                                         if a["editSimilarity"] < b["editSimilarity"])},
        "latency": {"wins": faster, "losses": len(pairs) - faster,
                    "signTestP": sign_test(faster, len(pairs) - faster),
                    "pairedRatio": summary(ratios, 3)},
    }


def measure_floor(args: argparse.Namespace, model: Path) -> dict[str, Any]:
    if args.no_floor:
        return {"skipped": "--no-floor"}
    if binary("llama-bench") is None:
        return {"skipped": f"llama-bench not built in {bin_dir()} (bench/setup_llama_cpp.sh)"}
    return llama_bench(model, args.threads, args.floor_prompt_sizes, repetitions=args.floor_reps)


def combine(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The floor's speeds: the mean of llama-bench before and after the systems."""
    if "skipped" in before or "skipped" in after:
        return before
    return {"before": before, "after": after,
            **{name: round((before[name] + after[name]) / 2, 1)
               for name in ("ppForFloor", "tgTokensPerSecond")}}


def load_cases(args: argparse.Namespace) -> list[Case]:
    if args.local is not None:  # a local Python package instead of the fetched ones
        package = Package("python", "local", args.local.name, "local", ".", ".py", "python",
                          ("tests", "test"))
        return extract_cases(package, args.local.resolve(), args.per_language, args.seed)
    cases: list[Case] = []
    for package in PACKAGES:
        if package.language in args.language_list:
            cases += extract_cases(package, ensure(package, args.sources), args.per_language,
                                   args.seed)
    return cases


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct",
                        help="catalog name or .gguf path")
    parser.add_argument("--languages", default="python,typescript,go,rust")
    parser.add_argument("--per-language", type=int, default=3, help="cases per language")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--rest-seconds", default="5",
                        help="comma-separated rests before typing (0: no rest, no ghost/didFocus)")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2,
                        help="llama.cpp threads of the baselines (ghost-ls: see --ghost-settings)")
    parser.add_argument("--context", type=int, default=4096)
    parser.add_argument("--ghost-settings", default="{}", help="JSON merged into ghost-ls' settings")
    parser.add_argument("--llama-server-args", default=DEFAULT_LLAMA_SERVER_ARGS)
    parser.add_argument("--llama-vim-time-limits", action=argparse.BooleanOptionalAction,
                        default=True, help="send llama.vim's t_max_prompt_ms / t_max_predict_ms")
    parser.add_argument("--sources", type=Path, help="bench-sources folder (default: "
                        "$GHOST_LS_CACHE/bench-sources, ~/.cache/ghost-ls/bench-sources)")
    parser.add_argument("--local", type=Path, help="take the cases from this local folder of "
                        "Python files instead of the pinned packages (offline smoke runs)")
    parser.add_argument("--no-floor", action="store_true", help="skip llama-bench")
    parser.add_argument("--floor-prompt-sizes", default="32,512")
    parser.add_argument("--floor-reps", type=int, default=2)
    parser.add_argument("--rows", action=argparse.BooleanOptionalAction, default=True,
                        help="include every (case, system, rest, round) row")
    add_load_arguments(parser)
    parser.add_argument("--rescore", type=Path, metavar="RESULT.json",
                        help="recompute floors and summaries of a saved result's rows; runs nothing")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    args.rests = [float(value) for value in args.rest_seconds.split(",") if value.strip()]
    args.language_list = [value for value in args.languages.split(",") if value]
    args.system_list = [value for value in args.systems.split(",") if value]
    unknown = set(args.system_list) - set(SYSTEMS)
    if unknown or "ghost" not in args.system_list:
        parser.error(f"--systems needs ghost and knows only {', '.join(SYSTEMS)}")
    if args.rounds < 1 or args.per_language < 1 or not args.rests or min(args.rests) < 0:
        parser.error("--rounds and --per-language must be at least 1, rests at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.rescore is not None:
        return rescore(args.rescore, args.json_out)
    # a SIGTERM (e.g. from timeout) ends the run after the answer in progress: servers
    # closed, load stopped, the rows so far summed up and marked partial
    signal.signal(signal.SIGTERM, lambda number, frame: STOP.set())
    model = resolve_model(args.model)
    cases = load_cases(args)
    result = header("cold_place")
    result["model"] = {"name": args.model, "path": str(model)}
    result["settings"] = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
                          if k not in ("json_out",)}
    result["settings"]["llamaCppBin"] = str(bin_dir())
    result["packages"] = ([{"language": "python", "registry": "local", "path": str(args.local)}]
                          if args.local else
                          [{"language": p.language, "registry": p.registry, "name": p.name,
                            "version": p.version} for p in PACKAGES
                           if p.language in args.language_list])
    result["cases"] = [case.as_json() for case in cases]
    systems = list(args.system_list)
    skipped: dict[str, str] = {}
    if "llama-vim" in systems and binary("llama-server") is None:
        skipped["llama-vim"] = f"llama-server not built in {bin_dir()} (bench/setup_llama_cpp.sh)"
        systems.remove("llama-vim")
        log(f"llama-vim: skipped: {skipped['llama-vim']}")
    with cpu_load(args.load, args.load_max_seconds) as load:
        floor_before = measure_floor(args, model)
        rows = run_all(args, model, cases, systems)
        floor_after = measure_floor(args, model) if not STOP.is_set() else floor_before
    result["load"] = load.describe()
    result["floor"] = combine(floor_before, floor_after)
    result["skipped"] = skipped
    result["partial"] = STOP.is_set()
    result["byRest"] = sum_up(rows, result["floor"], args.rests, systems)
    if args.rows:
        result["rows"] = rows
    report(result, args.json_out)
    return 0


def sum_up(rows: list[dict[str, Any]], floor: dict[str, Any], rests: list[float], systems: list[str]
           ) -> dict[str, Any]:
    """Floors on every row, then per rest: each system's metrics and ghost's wins/losses."""
    add_floor(rows, floor)
    by_rest: dict[str, Any] = {}
    for rest in rests:
        mine = [row for row in rows if row["rest"] == rest]
        by_rest[f"{rest:g}"] = {
            "systems": {name: metrics([r for r in mine if r["system"] == name]) for name in systems},
            "ghostVs": {base: compare(mine, "ghost", base) for base in BASELINES if base in systems},
        }
    return by_rest


def rescore(path: Path, json_out: Path | None) -> int:
    """Recompute floors and summaries of a saved result (with rows) without running anything."""
    result = json.loads(path.read_text(encoding="utf-8"))
    rows = result["rows"]
    systems = [name for name in SYSTEMS if any(row["system"] == name for row in rows)]
    rests = sorted({row["rest"] for row in rows})
    result["byRest"] = sum_up(rows, result["floor"], rests, systems)
    result["rescored"] = header("cold_place rescore")["date"]
    report(result, json_out)
    return 0


def report(result: dict[str, Any], json_out: Path | None) -> None:
    by_rest = result["byRest"]
    for rest, entry in by_rest.items():
        for name, scores in entry["systems"].items():
            log(f"rest {rest} {name}: exact {scores['exactMatch']} sim {scores['editSimilarity']} "
                f"p50 {scores['latencyMs']['p50']} ms p95 {scores['latencyMs']['p95']} ms "
                f"read p50 {scores['evaluatedTokens']['p50']}")
    emit(result, json_out)


if __name__ == "__main__":
    raise SystemExit(main())
