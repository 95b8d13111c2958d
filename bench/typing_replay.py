"""Typing replay: time-to-suggestion while real code is typed keystroke by keystroke.

What it measures: real Python files that nobody here wrote (from the ``requests``
sdist, fetched with pip into bench/.work) are truncated at a line, then the next
``--lines`` lines are typed one character per keystroke, ``--interval-ms`` apart.  Every
keystroke sends an edit and an inline-completion request (an editor with no debounce)
and cancels the previous request if it is unanswered.  At pauses (after Enter, by
default) the typist waits for the suggestion: that wait is the time-to-suggestion.

Systems, one after the other in the same run, same model, same keystrokes:
- ``ghost``: ``ghost-ls serve`` over LSP (stdio);
- ``naive``: bench/baselines/naive_server.py over LSP (60-line window rebuilt and fully
  re-evaluated per request, no cache, no early stop);
- ``llama-server``: llama.cpp's server over HTTP (``/completion`` + ``cache_prompt`` with
  the same 60-line window for a model without FIM tokens, ``/infill`` as llama.vim sends
  it for a FIM model), cancelled by closing the connection; like the naive server it
  stops only at ``--max-tokens`` or end-of-generation;
- ``llama-server-nl`` (opt-in): the same with ``stop: ["\\n"]``, to separate what
  ghost-ls' early stop buys from what its prompt reuse buys.
Plus the compute floor from ``llama-bench`` (pp/tg tokens/s at ``--threads``): for each
ghost-ls pause answered by the model, new prompt tokens / pp + generated tokens / tg.

Reports p50/p95 time-to-suggestion, model calls and tokens evaluated per keystroke,
cache hit rate, server overhead (pause latency minus ghost-ls' own generation time),
typing-through cache answers, and the ratios against llama-server and the floor.

Run:  .venv/bin/python bench/typing_replay.py --lines 20 --json-out bench/out/replay.json
      (--model NAME|PATH.gguf, --files 'requests==2.32.3:requests/utils.py,...',
       --systems ghost,naive,llama-server[,llama-server-nl], --interval-ms 80)
llama-server / llama-bench need bench/setup_llama_cpp.sh first; without them those
parts are skipped and say so.  JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from benchlib.common import BENCH, emit, header, log, ratio, resolve_model
from benchlib.drivers import LspDriver
from benchlib.http_driver import HttpDriver
from benchlib.keystrokes import Replay, auto_start, plan
from benchlib.llamacpp import LlamaServer, binary, llama_bench
from benchlib.replay_metrics import floor_metrics, http_metrics, lsp_metrics
from benchlib.sources import source_file

DEFAULT_FILES = "requests==2.32.3:requests/sessions.py"
SYSTEMS = ("ghost", "naive", "llama-server", "llama-server-nl")


class Vocab:
    """The model's tokenizer, loaded vocab-only in this process."""

    def __init__(self, model: Path) -> None:
        import llama_cpp

        self.llm = llama_cpp.Llama(model_path=str(model), vocab_only=True, verbose=False)
        vocab = self.llm._model.vocab
        self.fim = min(llama_cpp.llama_vocab_fim_pre(vocab), llama_cpp.llama_vocab_fim_mid(vocab)) >= 0

    def count(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))


def build_replays(args: argparse.Namespace) -> list[Replay]:
    replays = []
    starts = [s for s in (args.start_lines or "").split(",") if s]
    for number, spec in enumerate(s for s in args.files.split(",") if s):
        path = source_file(spec)
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        start = int(starts[number]) - 1 if number < len(starts) else auto_start(lines)
        replay = plan(str(path), text, start, args.lines, pause_at=args.pause_at,
                      every=args.pause_every)
        log(f"{spec}: type lines {start + 1}-{start + args.lines}: "
            f"{len(replay.keystrokes)} keystrokes, {replay.pauses} pauses")
        replays.append(replay)
    return replays


def replay_one(driver: Any, replays: list[Replay], interval: float, on_pause: Any) -> int:
    """Type every replay into ``driver``; returns the number of keystrokes."""
    total = 0
    for number, replay in enumerate(replays):
        driver.open(f"{BENCH}/.work/replay/{number}/{Path(replay.path).name}", replay.initial_text)
        warm = driver.request(*replay.cursor, -1, True)  # same warm start for every system
        driver.wait(warm)
        driver.answers.remove(warm)
        next_at = time.perf_counter()
        for index, key in enumerate(replay.keystrokes):
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            answer = driver.keystroke(key, total + index)
            if key.pause:
                driver.wait(answer)
                on_pause(answer)
                next_at = time.perf_counter() + interval
            else:
                next_at += interval
        total += len(replay.keystrokes)
        driver.drain()
    return total


def run_lsp(system: str, args: argparse.Namespace, model: Path, replays: list[Replay]
            ) -> dict[str, Any]:
    if system == "ghost":
        command = [sys.executable, "-m", "ghost_ls", "serve"]
        options = {"model": str(model), "maxTokens": args.max_tokens, "threads": args.threads,
                   "contextSize": args.context, "indexWorkspace": False}
        driver = LspDriver(command, "ghost/status", options)
    else:
        command = [sys.executable, str(BENCH / "baselines" / "naive_server.py"), "--model",
                   str(model), "--max-tokens", str(args.max_tokens), "--threads",
                   str(args.threads), "--context", str(args.context), "--window-lines",
                   str(args.window_lines)]
        driver = LspDriver(command, "naive/status")
    try:
        driver.start()

        def on_pause(answer: Any) -> None:
            if answer.text and not args.no_did_show and system == "ghost":
                driver.did_show(answer)
            status = driver.status()
            for key in ("lastLatencyMs", "lastEvaluatedTokens", "lastPromptTokens"):
                if key in status:
                    answer.extra[key] = status[key]
            if "lastGeneratedTokens" in status:
                answer.extra["generatedTokens"] = status["lastGeneratedTokens"]

        before = driver.status()
        keystrokes = replay_one(driver, replays, args.interval_ms / 1000, on_pause)
        after = driver.status()
        probe = no_model_probe(driver) if system == "ghost" else None
    finally:
        driver.close()
    return {"answers": driver.answers, "keystrokes": keystrokes, "before": before,
            "after": after, "probe": probe}


def no_model_probe(driver: LspDriver, count: int = 20) -> dict[str, Any]:
    """Requests mid-identifier (no model call expected): the whole LSP round trip."""
    from benchlib.common import summary

    lines = driver.mirror.lines
    target = next((i for i, line in enumerate(lines) if line.startswith("def ")), 0)
    before = driver.status()
    latencies = []
    for index in range(count):
        answer = driver.request(target, 2, -100 - index, True)  # inside "def"
        driver.wait(answer)
        driver.answers.remove(answer)
        if answer.latency_ms is not None:
            latencies.append(answer.latency_ms)
    after = driver.status()
    return {"position": [target, 2], "latencyMs": summary(latencies, 2),
            "modelCallsDuring": after["modelCalls"] - before["modelCalls"]}


def run_llama_server(args: argparse.Namespace, model: Path, replays: list[Replay], fim: bool,
                     stop: list[str]) -> dict[str, Any]:
    server = LlamaServer(model, args.threads, args.context, args.llama_server_args.split())
    try:
        server.wait_ready()
        mode = "infill" if fim else "completion"
        driver = HttpDriver(server.port, mode, max_tokens=args.max_tokens,
                            window_lines=args.window_lines, stop=stop)
        before = server.metrics()
        keystrokes = replay_one(driver, replays, args.interval_ms / 1000, lambda a: None)
        after = server.metrics()
    finally:
        server.close()
    return {"answers": driver.answers, "keystrokes": keystrokes, "before": before,
            "after": after, "mode": mode, "command": server.command, "stop": stop}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct", help="catalog name or .gguf path")
    parser.add_argument("--files", default=DEFAULT_FILES,
                        help="comma-separated PKG==VER:path specs (pip sdist) or local paths")
    parser.add_argument("--start-lines", help="1-based line to start typing at, per file "
                        "(default: the body of the first def past 40%% of the file)")
    parser.add_argument("--lines", type=int, default=20, help="lines typed per file")
    parser.add_argument("--interval-ms", type=float, default=80.0)
    parser.add_argument("--pause-at", choices=["line-start", "line-end", "none"],
                        default="line-start")
    parser.add_argument("--pause-every", type=int, default=0, help="also pause every K chars")
    parser.add_argument("--systems", default="ghost,naive,llama-server",
                        help=f"comma-separated, from {', '.join(SYSTEMS)}")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--window-lines", type=int, default=60)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--context", type=int, default=4096)
    parser.add_argument("--llama-server-args", default="--swa-full --cache-reuse 256",
                        help="extra llama-server flags (default: keep the full SWA cache, "
                             "llama.vim's --cache-reuse 256)")
    parser.add_argument("--no-floor", action="store_true", help="skip llama-bench")
    parser.add_argument("--floor-prompt-sizes", default="32,512",
                        help="llama-bench -p sizes; the largest gives the floor's pp speed")
    parser.add_argument("--floor-reps", type=int, default=2)
    parser.add_argument("--no-did-show", action="store_true",
                        help="do not send textDocument/didShowCompletion for shown suggestions "
                             "(ghost-ls prefetches the next line after one)")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    unknown = set(args.systems.split(",")) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown systems: {', '.join(sorted(unknown))}")
    return args


def measure_floor(args: argparse.Namespace, model: Path) -> dict[str, Any]:
    if args.no_floor:
        return {"skipped": "--no-floor"}
    if binary("llama-bench") is None:
        return {"skipped": "llama-bench not built (bench/setup_llama_cpp.sh)"}
    return llama_bench(model, args.threads, args.floor_prompt_sizes, repetitions=args.floor_reps)


def combine_floors(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """llama-bench runs before and after the systems; the floor uses their mean speeds."""
    if "skipped" in before or "skipped" in after:
        return before
    return {
        "before": before,
        "after": after,
        "ppForFloor": round((before["ppForFloor"] + after["ppForFloor"]) / 2, 1),
        "ppSmallBatch": round((before["ppSmallBatch"] + after["ppSmallBatch"]) / 2, 1),
        "tgTokensPerSecond": round((before["tgTokensPerSecond"] + after["tgTokensPerSecond"]) / 2,
                                   1),
    }


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    model = resolve_model(args.model)
    vocab = Vocab(model)
    replays = build_replays(args)
    result: dict[str, Any] = header("typing_replay")
    result["model"] = {"name": args.model, "path": str(model), "fimTokens": vocab.fim}
    result["settings"] = {k: v for k, v in vars(args).items() if k != "json_out"}
    result["replay"] = [{"file": r.path, "startLine": r.start_line + 1,
                         "keystrokes": len(r.keystrokes), "pauses": r.pauses} for r in replays]
    # the floor is measured right before and after ghost-ls, the system compared with it
    order = sorted(args.systems.split(","), key=lambda name: name != "ghost")
    floor_before = measure_floor(args, model)
    floor_after: dict[str, Any] | None = None
    systems: dict[str, Any] = {}
    runs: dict[str, Any] = {}
    for system in order:
        log(f"system {system}")
        started, load_before = time.perf_counter(), load_average()
        if system.startswith("llama-server"):
            if binary("llama-server") is None:
                systems[system] = {"skipped": "llama-server not built (bench/setup_llama_cpp.sh)"}
                continue
            stop = ["\n"] if system == "llama-server-nl" else []
            run = runs[system] = run_llama_server(args, model, replays, vocab.fim, stop)
        else:
            run = runs[system] = run_lsp(system, args, model, replays)
        run["wall"] = {"seconds": round(time.perf_counter() - started, 1),
                       "loadAverageBefore": load_before, "loadAverageAfter": load_average()}
        if system == "ghost":
            floor_after = measure_floor(args, model)
    if floor_after is None:
        floor_after = measure_floor(args, model)
    floor = result["floor"] = combine_floors(floor_before, floor_after)
    for system, run in runs.items():
        if system.startswith("llama-server"):
            systems[system] = {"mode": run["mode"], "stop": run["stop"],
                               "command": " ".join(run["command"][1:]),
                               **http_metrics(run["answers"], run["keystrokes"],
                                              run["before"], run["after"])}
        else:
            if system == "ghost" and "tgTokensPerSecond" in floor:
                floor.update(floor_metrics(run["answers"], floor["ppForFloor"],
                                           floor["tgTokensPerSecond"], vocab.count,
                                           floor["ppSmallBatch"], args.max_tokens))
            systems[system] = lsp_metrics(run["answers"], run["keystrokes"], run["before"],
                                          run["after"], overhead=system == "ghost")
        if system == "ghost":
            systems[system]["noModelProbe"] = run["probe"]
            systems[system]["promptFormat"] = run["after"].get("promptFormat")
            systems[system]["prefetched"] = run["after"].get("prefetched")
        systems[system]["wall"] = run["wall"]
    result["systems"] = systems
    result["ratios"] = ratios(result)
    emit(result, args.json_out)
    return 0


def ratios(result: dict[str, Any]) -> dict[str, Any]:
    systems = result["systems"]

    def p50(name: str) -> float | None:
        return (systems.get(name) or {}).get("timeToSuggestionMs", {}).get("p50")

    floor = (result["floor"].get("perPauseMs") or {}).get("p50")
    floor_small = (result["floor"].get("perPauseMsSmallBatchPp") or {}).get("p50")
    ghost = systems.get("ghost") or {}
    out = {
        "ghostP50OverLlamaServerP50": ratio(p50("ghost"), p50("llama-server")),
        "ghostP50OverNaiveP50": ratio(p50("ghost"), p50("naive")),
        "ghostP50OverFloorP50": ratio(p50("ghost"), floor),
        "ghostP50OverSmallBatchFloorP50": ratio(p50("ghost"), floor_small),
        "ghostP50OverLlamaServerNlP50": ratio(p50("ghost"), p50("llama-server-nl")),
        "llamaServerP50OverNaiveP50": ratio(p50("llama-server"), p50("naive")),
    }
    out["targets"] = {
        "ghostOverLlamaServer<=0.15": out["ghostP50OverLlamaServerP50"],
        "ghostOverFloor<=1.3": out["ghostP50OverFloorP50"],
        "serverOverheadP50Ms<5": (ghost.get("serverOverheadMs") or {}).get("p50"),
        "typingThroughP50Ms<5": (ghost.get("typingThroughCacheMs") or {}).get("p50"),
        "noModelRoundTripP50Ms<5": ((ghost.get("noModelProbe") or {}).get("latencyMs") or {})
        .get("p50"),
    }
    return out


if __name__ == "__main__":
    raise SystemExit(main())
