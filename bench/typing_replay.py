"""Typing replay: time-to-suggestion while real code is typed keystroke by keystroke.

What it measures: real files that nobody here wrote (by default 2 Python, 2 TypeScript
and 2 Go files from published packages, fetched into bench/.work/sources with pip, npm
and apt-get; see ``DEFAULT_FILES`` and benchlib/sources.py) are typed into: ``--lines``
lines from a function body past 40% of each file are taken out (their first line's
indentation stays) and typed back one character per keystroke, ``--interval-ms`` apart,
with the rest of the file below the cursor (``--truncate``: the file ends at the cursor
instead, the old replay).  Every keystroke sends an edit and an inline-completion
request (an editor with no debounce) and cancels the previous request if it is
unanswered.  At pauses (after Enter, by default) the typist waits for the suggestion:
that wait is the time-to-suggestion.  Documents are opened with their languageId
(``python``, ``typescript``, ``go``) and a URI with the file's extension.

Systems, same model, same keystrokes, each (system, file, round) on a fresh process
that gets the same unmeasured warm-up request at the cursor before typing:
- ``ghost``: ``ghost-ls serve`` over LSP (stdio);
- ``ghost-NAME`` (``--ghost-variant NAME=JSON``): ghost-ls with JSON merged into its
  initializationOptions (e.g. ``line='{"promptLayout": "line"}'``);
- ``naive``: bench/baselines/naive_server.py over LSP: for a FIM model a plain PSM
  prompt (60 lines above, rest of line + 20 below), ``Llama.reset()`` so the whole
  prompt is evaluated on every request, no cache, stops only at ``--max-tokens`` or
  end-of-generation; ``naive-nl`` (opt-in): the same with ``--stop-at-newline``, the
  "plain FIM server" of bench/humaneval.py;
- ``llama-server``: llama.cpp's server over HTTP: ``/infill`` with llama.vim's request
  fields for a FIM model (benchlib/http_driver.py says which and what differs: greedy,
  streamed), ``/completion`` + ``cache_prompt`` with the 60-line window otherwise;
  started with ``--llama-server-args`` (default: llama.vim's recommended
  ``--fim-qwen-*-default`` batch sizes and ``--cache-reuse 256``) and, with
  ``--llama-server-slots N``, ``-np N`` (default: llama-server's own slot count);
- ``llama-server-nl``: the same with ``stop: ["\\n"]``, to separate what ghost-ls' early
  stop buys from what its prompt reuse buys;
- ``llama-server-NAME`` (``--llama-server-variant NAME=JSON``): llama-server configured
  otherwise, for a sweep of its flags in the same run: ``slots`` (``-np``),
  ``timeLimits`` (llama.vim's ``t_max_*_ms``), ``newlineStop`` (default true) and
  ``args`` (more flags), e.g. ``np1='{"slots": 1}'``;
- ``ghost-llama-server`` (opt-in): ghost-ls with ``backend: llama-server`` in front of a
  llama-server started exactly as for ``llama-server`` (the team backend's
  comparison: the same shared server, ghost-ls' requests against llama.vim's); its
  server-side counters (``/metrics``) are reported next to ghost-ls' own.
Plus the compute floor from ``llama-bench`` (pp/tg tokens/s at ``--threads``, measured
before and after all systems): for each ghost-ls pause answered by the model, new prompt
tokens / pp + generated tokens / tg.

Interleaved and repeated: for each of ``--rounds`` rounds and each file, every system
types that file, in an order rotated by one per (round, file), so no system is always
first (``schedule`` in the JSON).  Reported per system: pooled p50/p95 time-to-suggestion
over all pauses, the per-round p50s and their min/max (``perRoundP50Ms``), per language
and per file; model calls and tokens evaluated per keystroke, cache hit rate, server
overhead, typing-through cache answers (ghost-ls); and ratios (``ratios.perRound``: each
ghost system over every other system and the floor, as median/min/max over rounds of the
per-round p50 ratio; ``ratios.pooled`` and the older flat keys: pooled p50 over pooled p50).

Run:  .venv/bin/python bench/typing_replay.py --json-out bench/results/DATE-typing-replay.json
      (--model NAME|PATH.gguf, --files SPEC,..., --lines 20, --rounds 3,
       --systems ghost,naive,llama-server,llama-server-nl[,naive-nl], --interval-ms 80,
       --ghost-variant NAME=JSON, --llama-server-variant NAME=JSON,
       --llama-server-slots 1, --no-llama-vim-time-limits,
       --truncate)
llama-server / llama-bench need bench/setup_llama_cpp.sh (or GHOST_LS_LLAMA_CPP_BIN
pointing at a bin folder with them); without them those parts are skipped and say so.
JSON on stdout, progress and a short summary on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchlib.common import BENCH, emit, header, log, ratio, resolve_model, summary
from benchlib.drivers import Answer, LspDriver
from benchlib.http_driver import HttpDriver
from benchlib.keystrokes import Replay, auto_start, language_id, plan
from benchlib.llamacpp import LlamaServer, bin_dir, binary, llama_bench
from benchlib.load import add_load_arguments, cpu_load
from benchlib.replay_metrics import (
    add,
    delta,
    floor_metrics,
    http_delta,
    http_metrics,
    lsp_metrics,
    model_pause_latencies,
    p50,
    pause_latencies,
    spread,
)
from benchlib.sources import source_file

DEFAULT_FILES = ",".join([
    "requests==2.32.3:requests/sessions.py",  # PyPI sdist
    "click==8.1.7:click/parser.py",  # PyPI sdist
    "npm:immer@10.1.1:src/plugins/patches.ts",  # npm tarball, ships src/
    "npm:rxjs@7.8.1:src/internal/Subscriber.ts",  # npm tarball, ships src/
    # Debian bookworm golang-*-dev packages (Go sources under usr/share/gocode/src)
    "deb:golang-github-sirupsen-logrus-dev=1.9.0-1:github.com/sirupsen/logrus/text_formatter.go",
    "deb:golang-github-gorilla-mux-dev=1.8.0-1:github.com/gorilla/mux/regexp.go",
])
SYSTEMS = ("ghost", "naive", "naive-nl", "llama-server", "llama-server-nl", "ghost-llama-server")
DEFAULT_SYSTEMS = "ghost,naive,llama-server,llama-server-nl"
DEFAULT_LLAMA_SERVER_ARGS = "-b 1024 -ub 1024 --cache-reuse 256 --swa-full"
SERVER_VARIANT_KEYS = {"slots": int, "timeLimits": bool, "newlineStop": bool, "args": str}


@dataclass(frozen=True)
class ServerSetup:
    """How one ``llama-server*`` system starts its server and what it asks of it."""

    slots: int | None
    time_limits: bool
    newline_stop: bool
    extra_args: tuple[str, ...] = ()


def server_setup(system: str, args: argparse.Namespace) -> ServerSetup:
    """The flags of ``llama-server``, ``llama-server-nl`` or a ``--llama-server-variant``."""
    base = ServerSetup(args.llama_server_slots or None, args.llama_vim_time_limits,
                       system == "llama-server-nl", tuple(args.llama_server_args.split()))
    variant = args.server_variants.get(system)
    if variant is None:
        return base
    slots = variant.get("slots", base.slots)
    return ServerSetup(slots if slots else None, variant.get("timeLimits", base.time_limits),
                       variant.get("newlineStop", True),
                       base.extra_args + tuple(str(variant.get("args", "")).split()))


class Vocab:
    """The model's tokenizer, loaded vocab-only in this process."""

    def __init__(self, model: Path) -> None:
        import llama_cpp

        self.llm = llama_cpp.Llama(model_path=str(model), vocab_only=True, verbose=False)
        vocab = self.llm._model.vocab
        self.fim = min(llama_cpp.llama_vocab_fim_pre(vocab), llama_cpp.llama_vocab_fim_mid(vocab)) >= 0

    def count(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))


@dataclass
class FileReplay:
    """One file of the replay: where it came from and its keystrokes."""

    number: int
    spec: str
    replay: Replay

    @property
    def language(self) -> str:
        return self.replay.language

    @property
    def document_path(self) -> str:
        """Where the editor "has" the file: a fresh path with the file's own name."""
        return f"{BENCH}/.work/replay/{self.number}/{Path(self.replay.path).name}"


@dataclass
class Run:
    """One system typing one file in one round."""

    system: str
    file: int
    round: int
    position: int
    answers: list[Answer] = field(default_factory=list)
    keystrokes: int = 0
    counters: dict[str, float] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    probe: dict[str, Any] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    wall: dict[str, Any] = field(default_factory=dict)
    failure: str = ""


def is_ghost(system: str) -> bool:
    return system == "ghost" or system.startswith("ghost-")


def needs_llama_server(system: str) -> bool:
    return system.startswith("llama-server") or system == "ghost-llama-server"


def build_replays(args: argparse.Namespace) -> list[FileReplay]:
    replays = []
    starts = [s for s in (args.start_lines or "").split(",") if s]
    for number, spec in enumerate(s.strip() for s in args.files.split(",") if s.strip()):
        path = source_file(spec)
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        language = language_id(str(path))
        start = (int(starts[number]) - 1 if number < len(starts)
                 else auto_start(lines, language=language))
        replay = plan(str(path), text, start, args.lines, pause_at=args.pause_at,
                      every=args.pause_every, mid_file=not args.truncate)
        log(f"{spec} ({language}, {len(lines)} lines): type lines {start + 1}-"
            f"{start + args.lines}: {len(replay.keystrokes)} keystrokes, {replay.pauses} pauses")
        replays.append(FileReplay(number, spec, replay))
    if not replays:
        raise SystemExit("no files to type (--files)")
    return replays


def type_file(driver: Any, file: FileReplay, interval: float,
              on_pause: Callable[[Answer], None]) -> int:
    """Open ``file`` in ``driver``, warm up, type it; returns the number of keystrokes."""
    replay = file.replay
    driver.open(file.document_path, replay.initial_text, file.language)
    warm = driver.request(*replay.cursor, -1, True)  # same warm start for every system
    driver.wait(warm)
    driver.answers.remove(warm)
    next_at = time.perf_counter()
    for index, key in enumerate(replay.keystrokes):
        delay = next_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        answer = driver.keystroke(key, index)
        answer.extra["file"] = file.number
        if key.pause:
            driver.wait(answer)
            on_pause(answer)
            next_at = time.perf_counter() + interval
        else:
            next_at += interval
    driver.drain()
    return len(replay.keystrokes)


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` merged in (nested objects merged key by key)."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def lsp_command(system: str, args: argparse.Namespace, model: Path, endpoint: str = ""
                ) -> tuple[list[str], str, dict[str, Any] | None]:
    if is_ghost(system):
        # threads stay ghost-ls' own (threads: 0 picks them from the load)
        options: dict[str, Any] = {"model": str(model), "maxTokens": args.max_tokens,
                                   "contextSize": args.context, "indexWorkspace": False}
        if system == "ghost-llama-server":
            options.update(backend="llama-server", endpoint=endpoint)
        elif system != "ghost":
            options = merge(options, args.variants[system])
        return [sys.executable, "-m", "ghost_ls", "serve"], "ghost/status", options
    command = [sys.executable, str(BENCH / "baselines" / "naive_server.py"), "--model",
               str(model), "--max-tokens", str(args.max_tokens), "--threads",
               str(args.threads), "--context", str(args.context), "--window-lines",
               str(args.window_lines)]
    if system == "naive-nl":
        command.append("--stop-at-newline")
    return command, "naive/status", None


def start_llama_server(args: argparse.Namespace, model: Path, setup: ServerSetup) -> LlamaServer:
    """llama-server as a ``llama-server*`` system (or ``ghost-llama-server``) gets it."""
    return LlamaServer(model, args.threads, args.context, list(setup.extra_args),
                       slots=setup.slots)


def run_lsp(run: Run, args: argparse.Namespace, model: Path, file: FileReplay) -> None:
    server = (start_llama_server(args, model, server_setup("llama-server", args))
              if run.system == "ghost-llama-server" else None)
    endpoint = server.url("") if server is not None else ""
    command, status_method, options = lsp_command(run.system, args, model, endpoint)
    driver = LspDriver(command, status_method, options)
    ghost = is_ghost(run.system)
    try:
        if server is not None:
            server.wait_ready()
            run.info = {"command": " ".join(server.command[1:])}
            server_before = server.metrics()
        driver.start()

        def on_pause(answer: Answer) -> None:
            if answer.text and not args.no_did_show and ghost:
                driver.did_show(answer)
            status = driver.status()
            for key in ("lastLatencyMs", "lastEvaluatedTokens", "lastPromptTokens", "lastPromptMs",
                        "lastGenerateMs"):
                if key in status:
                    answer.extra[key] = status[key]
            if "lastGeneratedTokens" in status:
                answer.extra["generatedTokens"] = status["lastGeneratedTokens"]

        before = driver.status()
        run.keystrokes = type_file(driver, file, args.interval_ms / 1000, on_pause)
        run.after = driver.status()
        run.counters = delta(before, run.after)
        if ghost:
            prefetched = run.after.get("prefetched")
            if isinstance(prefetched, int | float):
                run.counters["prefetched"] = prefetched - before.get("prefetched", 0)
            if server is not None:  # before the probe: it asks for nothing from the server
                add(run.counters, {f"server_{key}": value for key, value
                                   in http_delta(server_before, server.metrics()).items()})
            run.probe = no_model_probe(driver)
    finally:
        run.answers = driver.answers
        driver.close()
        if server is not None:
            server.close()


def pause_breakdown(answers: list[Answer]) -> list[dict[str, Any]]:
    """Each pause's time-to-suggestion next to what the server says it spent on it.

    ``serverMs`` (``lastLatencyMs``), ``promptMs`` and ``generateMs`` are the last model
    call's, so they belong to this pause only when ``source`` is ``model``."""
    rows = []
    for answer in answers:
        if not answer.pause:
            continue
        extra = answer.extra
        rows.append({"latencyMs": None if answer.latency_ms is None else round(answer.latency_ms, 1),
                     "status": answer.status, "source": answer.source,
                     "chars": len(answer.text), "serverMs": extra.get("lastLatencyMs"),
                     "promptMs": extra.get("lastPromptMs"), "generateMs": extra.get("lastGenerateMs"),
                     "evaluatedTokens": extra.get("lastEvaluatedTokens"),
                     "promptTokens": extra.get("lastPromptTokens"),
                     "generatedTokens": extra.get("generatedTokens")})
    return rows


def no_model_probe(driver: LspDriver, count: int = 20) -> dict[str, Any]:
    """Requests mid-identifier (no model call expected): the whole LSP round trip."""
    lines = driver.mirror.lines
    target = next((i for i, line in enumerate(lines) if re.match(r"[A-Za-z_]{4}", line)), 0)
    before = driver.status()
    latencies = []
    for index in range(count):
        answer = driver.request(target, 2, -100 - index, True)  # inside the line's first word
        driver.wait(answer)
        driver.answers.remove(answer)
        if answer.latency_ms is not None:
            latencies.append(answer.latency_ms)
    after = driver.status()
    return {"position": [target, 2], "latencies": latencies,
            "modelCallsDuring": after["modelCalls"] - before["modelCalls"]}


def run_llama_server(run: Run, args: argparse.Namespace, model: Path, file: FileReplay,
                     fim: bool) -> None:
    setup = server_setup(run.system, args)
    stop = ["\n"] if setup.newline_stop else []
    server = start_llama_server(args, model, setup)
    mode = "infill" if fim else "completion"
    run.info = {"mode": mode, "command": " ".join(server.command[1:]), "stop": stop,
                "timeLimits": setup.time_limits}
    driver = HttpDriver(server.port, mode, max_tokens=args.max_tokens,
                        window_lines=args.window_lines, stop=stop,
                        time_limits=setup.time_limits)
    try:
        server.wait_ready()
        before = server.metrics()
        run.keystrokes = type_file(driver, file, args.interval_ms / 1000, lambda a: None)
        run.counters = http_delta(before, server.metrics())
    finally:
        run.answers = driver.answers
        server.close()


def schedule(systems: list[str], rounds: int, files: int) -> list[dict[str, Any]]:
    """For each (round, file): ``systems`` rotated by one more place than the last time."""
    out = []
    for round_number in range(rounds):
        for number in range(files):
            shift = (round_number * files + number) % len(systems)
            out.append({"round": round_number + 1, "file": number,
                        "order": systems[shift:] + systems[:shift]})
    return out


def parse_variants(parser: argparse.ArgumentParser, values: list[str], flag: str, prefix: str
                   ) -> dict[str, dict[str, Any]]:
    """``NAME=JSON`` values of ``flag`` as ``{prefix-NAME: the JSON object}``."""
    variants: dict[str, dict[str, Any]] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_.]+", name):
            parser.error(f"{flag} wants NAME=JSON (NAME: letters, digits, _ .): {value!r}")
        try:
            options = json.loads(text)
        except json.JSONDecodeError as error:
            parser.error(f"{flag} {name}: not JSON: {error}")
        if not isinstance(options, dict):
            parser.error(f"{flag} {name}: the JSON must be an object")
        variants[f"{prefix}-{name}"] = options
    return variants


def check_server_variants(parser: argparse.ArgumentParser, variants: dict[str, dict[str, Any]]
                          ) -> None:
    for system, options in variants.items():
        if system in SYSTEMS:
            parser.error(f"--llama-server-variant: {system} is a built-in system")
        for key, value in options.items():
            wanted = SERVER_VARIANT_KEYS.get(key)
            if wanted is None or type(value) is not wanted:
                parser.error(f"--llama-server-variant {system}: {key!r} must be one of "
                             f"{', '.join(f'{k} ({t.__name__})' for k, t in SERVER_VARIANT_KEYS.items())}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct", help="catalog name or .gguf path")
    parser.add_argument("--files", default=DEFAULT_FILES,
                        help="comma-separated specs: PKG==VER:path (pip sdist), npm:PKG@VER:path, "
                             "deb:PKG[=VER]:path, or local paths (default: 2 Python, 2 TypeScript, "
                             "2 Go files)")
    parser.add_argument("--start-lines", help="1-based line to start typing at, per file "
                        "(default: the body of the first function past 40%% of the file)")
    parser.add_argument("--lines", type=int, default=20, help="lines typed per file")
    parser.add_argument("--truncate", action="store_true",
                        help="start from the file truncated at the cursor (nothing below it) "
                             "instead of the whole file with the typed lines taken out")
    parser.add_argument("--rounds", type=int, default=3,
                        help="each round types every file with every system")
    parser.add_argument("--interval-ms", type=float, default=80.0)
    parser.add_argument("--pause-at", choices=["line-start", "line-end", "none"],
                        default="line-start")
    parser.add_argument("--pause-every", type=int, default=0, help="also pause every K chars")
    parser.add_argument("--systems", default=DEFAULT_SYSTEMS,
                        help=f"comma-separated, from {', '.join(SYSTEMS)} (ghost variants are added)")
    parser.add_argument("--ghost-variant", action="append", default=[], metavar="NAME=JSON",
                        help="add system ghost-NAME: ghost-ls with JSON merged into its "
                             "initializationOptions (repeatable)")
    parser.add_argument("--llama-server-variant", action="append", default=[],
                        metavar="NAME=JSON",
                        help="add system llama-server-NAME: /infill with a newline stop on a "
                             "llama-server configured by JSON keys slots (-np), timeLimits, "
                             "newlineStop, args (repeatable)")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--window-lines", type=int, default=60)
    parser.add_argument("--threads", type=int, default=2,
                        help="llama.cpp threads of the baselines (ghost-ls keeps its own)")
    parser.add_argument("--context", type=int, default=4096)
    parser.add_argument("--llama-server-args", default=DEFAULT_LLAMA_SERVER_ARGS,
                        help="extra llama-server flags (default: the batch sizes and "
                             "--cache-reuse 256 of llama.cpp's --fim-qwen-*-default presets "
                             "that llama.vim recommends, and the full SWA cache)")
    parser.add_argument("--llama-server-slots", type=int, default=0,
                        help="pass -np N to llama-server (default 0: do not pass it, "
                             "llama-server's own default)")
    parser.add_argument("--llama-vim-time-limits", action=argparse.BooleanOptionalAction,
                        default=True,
                        help="send llama.vim's t_max_prompt_ms 500 / t_max_predict_ms 250 to "
                             "/infill (default on)")
    parser.add_argument("--no-floor", action="store_true", help="skip llama-bench")
    parser.add_argument("--floor-prompt-sizes", default="32,512",
                        help="llama-bench -p sizes; the largest gives the floor's pp speed")
    parser.add_argument("--floor-reps", type=int, default=2)
    parser.add_argument("--floor-depths", default="512,1024",
                        help="llama-bench -d: generation speed after this many context tokens "
                             "(0 is always measured), for the floor at each pause's depth")
    parser.add_argument("--no-did-show", action="store_true",
                        help="do not send textDocument/didShowCompletion for shown suggestions "
                             "(ghost-ls prefetches the next line after one)")
    add_load_arguments(parser)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    args.variants = parse_variants(parser, args.ghost_variant, "--ghost-variant", "ghost")
    args.server_variants = parse_variants(parser, args.llama_server_variant,
                                          "--llama-server-variant", "llama-server")
    check_server_variants(parser, args.server_variants)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(systems) - set(SYSTEMS) - set(args.variants) - set(args.server_variants)
    if unknown:
        parser.error(f"unknown systems: {', '.join(sorted(unknown))}")
    args.system_list = list(dict.fromkeys([*systems, *args.variants, *args.server_variants]))
    if args.rounds < 1 or args.lines < 1:
        parser.error("--rounds and --lines must be at least 1")
    return args


def measure_floor(args: argparse.Namespace, model: Path) -> dict[str, Any]:
    if args.no_floor:
        return {"skipped": "--no-floor"}
    if binary("llama-bench") is None:
        return {"skipped": f"llama-bench not built in {bin_dir()} (bench/setup_llama_cpp.sh)"}
    return llama_bench(model, args.threads, args.floor_prompt_sizes, repetitions=args.floor_reps,
                       depths=args.floor_depths)


def combine_floors(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """llama-bench runs before and after all systems; the floor uses their mean speeds."""
    if "skipped" in before or "skipped" in after:
        return before
    return {
        "before": before,
        "after": after,
        "ppForFloor": round((before["ppForFloor"] + after["ppForFloor"]) / 2, 1),
        "ppSmallBatch": round((before["ppSmallBatch"] + after["ppSmallBatch"]) / 2, 1),
        "tgTokensPerSecond": round((before["tgTokensPerSecond"] + after["tgTokensPerSecond"]) / 2,
                                   1),
        "tgByDepth": {depth: round((speed + after["tgByDepth"][depth]) / 2, 2)
                      for depth, speed in before["tgByDepth"].items() if depth in after["tgByDepth"]},
    }


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def run_all(args: argparse.Namespace, model: Path, replays: list[FileReplay], fim: bool
            ) -> tuple[list[dict[str, Any]], list[Run], dict[str, str]]:
    """Every (round, file, system) in the interleaved order; failures are kept, not raised."""
    skipped: dict[str, str] = {}
    systems = []
    for system in args.system_list:
        if needs_llama_server(system) and binary("llama-server") is None:
            skipped[system] = f"llama-server not built in {bin_dir()} (bench/setup_llama_cpp.sh)"
            log(f"{system}: skipped: {skipped[system]}")
        else:
            systems.append(system)
    plan_ = schedule(systems, args.rounds, len(replays)) if systems else []
    runs: list[Run] = []
    for step, entry in enumerate(plan_):
        file = replays[entry["file"]]
        for position, system in enumerate(entry["order"]):
            run = Run(system, file.number, entry["round"], position)
            started, load_before = time.perf_counter(), load_average()
            try:
                if system.startswith("llama-server"):
                    run_llama_server(run, args, model, file, fim)
                else:
                    run_lsp(run, args, model, file)
            except Exception as error:  # keep the other runs' numbers; say what failed
                run.failure = f"{type(error).__name__}: {error}"
            run.wall = {"seconds": round(time.perf_counter() - started, 1),
                        "loadAverageBefore": load_before, "loadAverageAfter": load_average()}
            runs.append(run)
            latency = p50(pause_latencies(run.answers))
            log(f"round {entry['round']}/{args.rounds} file {file.number + 1}/{len(replays)} "
                f"({file.language}) [{step * len(systems) + position + 1}/"
                f"{len(plan_) * len(systems)}] {system}: "
                + (f"FAILED {run.failure}" if run.failure else
                   f"p50 {latency} ms over {len(pause_latencies(run.answers))} pauses, "
                   f"{run.wall['seconds']} s"))
    return plan_, runs, skipped


def pooled(runs: list[Run]) -> tuple[list[Answer], int, dict[str, float]]:
    answers: list[Answer] = []
    counters: dict[str, float] = {}
    keystrokes = 0
    for run in runs:
        answers.extend(run.answers)
        keystrokes += run.keystrokes
        add(counters, run.counters)
    return answers, keystrokes, counters


def system_metrics(system: str, runs: list[Run], replays: list[FileReplay], rounds: int
                   ) -> dict[str, Any]:
    """Pooled metrics of one system, plus per round, per language and per file."""
    ok = [run for run in runs if not run.failure]
    answers, keystrokes, counters = pooled(ok)
    if system.startswith("llama-server"):
        info = next((run.info for run in runs if run.info), {})
        out: dict[str, Any] = {**info, **http_metrics(answers, keystrokes, counters)}
    else:
        out = lsp_metrics(answers, keystrokes, counters, overhead=is_ghost(system))
    per_round = [p50(pause_latencies(pooled([r for r in ok if r.round == n])[0]))
                 for n in range(1, rounds + 1)]
    out["perRoundP50Ms"] = spread(per_round, 1)
    out["perRoundModelPauseP50Ms"] = spread(
        [p50(model_pause_latencies(pooled([r for r in ok if r.round == n])[0]))
         for n in range(1, rounds + 1)], 1)
    languages = sorted({file.language for file in replays})
    out["perLanguage"] = {}
    for language in languages:
        numbers = {f.number for f in replays if f.language == language}
        chosen = [r for r in ok if r.file in numbers]
        out["perLanguage"][language] = {
            **summary(pause_latencies(pooled(chosen)[0])),
            "perRoundP50Ms": spread([p50(pause_latencies(pooled(
                [r for r in chosen if r.round == n])[0])) for n in range(1, rounds + 1)], 1),
        }
    out["perFile"] = [{"file": f.number, "language": f.language,
                       **summary(pause_latencies(pooled([r for r in ok if r.file == f.number])[0]))}
                      for f in replays]
    out["failures"] = [{"file": r.file, "round": r.round, "failure": r.failure}
                       for r in runs if r.failure]
    out["wall"] = {"seconds": round(sum(run.wall.get("seconds", 0) for run in runs), 1),
                   "runs": len(runs)}
    if is_ghost(system):
        probes = [run.probe for run in ok if run.probe]
        out["noModelProbe"] = {
            "latencyMs": summary([x for probe in probes for x in probe["latencies"]], 2),
            "modelCallsDuring": sum(probe["modelCallsDuring"] for probe in probes),
            "positions": sorted({tuple(probe["position"]) for probe in probes}),
        }
        last = ok[-1].after if ok else {}
        out["promptFormat"] = last.get("promptFormat")
        out["prefetched"] = counters.get("prefetched")
        out["settings"] = last.get("settings")
    if system == "ghost-llama-server":  # what the shared server itself read and wrote
        out["server"] = {"command": next((run.info["command"] for run in runs if run.info), ""),
                         "promptTokensTotal": counters.get("server_prompt_tokens_total", 0),
                         "tokensPredictedTotal": counters.get("server_tokens_predicted_total", 0),
                         "tokensEvaluatedPerKeystroke": ratio(
                             counters.get("server_prompt_tokens_total", 0), keystrokes, 1)}
    return out


def floors(runs: list[Run], floor: dict[str, Any], count: Callable[[str], int], max_tokens: int,
           rounds: int) -> dict[str, dict[str, Any]]:
    """Per ghost system: its floor pooled and per round (same llama-bench speeds)."""
    out: dict[str, dict[str, Any]] = {}
    if "tgTokensPerSecond" not in floor:
        return out
    for system in sorted({run.system for run in runs if is_ghost(run.system)}):
        mine = [run for run in runs if run.system == system and not run.failure]

        def floor_of(chosen: list[Run]) -> dict[str, Any]:
            return floor_metrics(pooled(chosen)[0], floor["ppForFloor"], floor["tgTokensPerSecond"],
                                 count, floor["ppSmallBatch"], max_tokens, floor.get("tgByDepth"))

        result = floor_of(mine)
        by_round = [floor_of([r for r in mine if r.round == n]) for n in range(1, rounds + 1)]
        result["perRoundP50Ms"] = [row["perPauseMs"]["p50"] for row in by_round]
        result["perRoundSmallBatchP50Ms"] = [row["perPauseMsSmallBatchPp"]["p50"] for row in by_round]
        result["perRoundAtDepthP50Ms"] = [row["perPauseMsAtDepth"].get("p50") for row in by_round]
        result["perRoundLatencyOverFloorPerPauseP50"] = [
            row["latencyOverFloorPerPause"].get("p50") for row in by_round]
        result["perRoundLatencyOverFloorAtDepthPerPauseP50"] = [
            row["latencyOverFloorAtDepthPerPause"].get("p50") for row in by_round]
        out[system] = result
    return out


def ratios(result: dict[str, Any], ghost_floors: dict[str, dict[str, Any]], rounds: int,
           languages: list[str]) -> dict[str, Any]:
    systems = {name: s for name, s in result["systems"].items() if "skipped" not in s}

    def pooled_p50(name: str) -> float | None:
        value = (systems.get(name) or {}).get("timeToSuggestionMs", {}).get("p50")
        return None if value is None else float(value)

    floor = (result["floor"].get("perPauseMs") or {}).get("p50")
    floor_small = (result["floor"].get("perPauseMsSmallBatchPp") or {}).get("p50")
    ghost = systems.get("ghost") or {}
    out: dict[str, Any] = {
        "ghostP50OverLlamaServerP50": ratio(pooled_p50("ghost"), pooled_p50("llama-server")),
        "ghostP50OverNaiveP50": ratio(pooled_p50("ghost"), pooled_p50("naive")),
        "ghostP50OverFloorP50": ratio(pooled_p50("ghost"), floor),
        "ghostP50OverSmallBatchFloorP50": ratio(pooled_p50("ghost"), floor_small),
        "ghostP50OverLlamaServerNlP50": ratio(pooled_p50("ghost"), pooled_p50("llama-server-nl")),
        "llamaServerP50OverNaiveP50": ratio(pooled_p50("llama-server"), pooled_p50("naive")),
    }
    per_round: dict[str, Any] = {}
    pooled_ratios: dict[str, Any] = {}
    per_language: dict[str, dict[str, Any]] = {language: {} for language in languages}
    for numerator in (name for name in systems if is_ghost(name)):
        mine = systems[numerator]["perRoundP50Ms"]["perRound"]
        anchors: dict[str, list[float | None]] = {
            name: systems[name]["perRoundP50Ms"]["perRound"] for name in systems if name != numerator}
        own_floor = ghost_floors.get(numerator)
        if own_floor:
            anchors["floor"] = own_floor["perRoundP50Ms"]
            anchors["floorSmallBatch"] = own_floor["perRoundSmallBatchP50Ms"]
            anchors["floorAtDepth"] = own_floor["perRoundAtDepthP50Ms"]
        if own_floor:  # the same pauses on both sides: those the model answered
            mine_model = systems[numerator]["perRoundModelPauseP50Ms"]["perRound"]
            per_round[f"{numerator}ModelPauses/floor"] = spread(
                [ratio(mine_model[n], own_floor["perRoundP50Ms"][n]) for n in range(rounds)])
            pooled_ratios[f"{numerator}ModelPauses/floor"] = ratio(
                (systems[numerator].get("modelPauseTimeToSuggestionMs") or {}).get("p50"),
                own_floor["perPauseMs"].get("p50"))
        for anchor, theirs in anchors.items():
            key = f"{numerator}/{anchor}"
            per_round[key] = spread([ratio(mine[n], theirs[n]) for n in range(rounds)])
            if anchor in systems:
                pooled_ratios[key] = ratio(pooled_p50(numerator), pooled_p50(anchor))
                for language in languages:
                    per_language[language][key] = ratio(
                        systems[numerator]["perLanguage"][language]["p50"],
                        systems[anchor]["perLanguage"][language]["p50"])
            elif own_floor:
                field_name = {"floor": "perPauseMs", "floorSmallBatch": "perPauseMsSmallBatchPp",
                              "floorAtDepth": "perPauseMsAtDepth"}[anchor]
                pooled_ratios[key] = ratio(pooled_p50(numerator), own_floor[field_name].get("p50"))
    out["perRound"] = per_round
    out["pooled"] = pooled_ratios
    out["perLanguage"] = per_language
    servers = [name for name in systems if name.startswith("llama-server")
               and pooled_p50(name) is not None]
    best = min(servers, key=lambda name: pooled_p50(name) or 0.0) if servers else None
    best_tts = systems[best]["timeToSuggestionMs"] if best else {}
    ghost_tts = ghost.get("timeToSuggestionMs") or {}
    out["bestLlamaServer"] = {"system": best, "p50": best_tts.get("p50"),
                              "p95": best_tts.get("p95"),
                              "chosenBy": "lowest pooled p50 of the llama-server systems run"}
    out["targets"] = {
        "ghostOverBestLlamaServerP50<=0.5": (per_round.get(f"ghost/{best}") or {}).get("median"),
        "ghostOverBestLlamaServerP95<=0.5": ratio(ghost_tts.get("p95"), best_tts.get("p95")),
        "ghostOverFloor<=1.2": (per_round.get("ghost/floor") or {}).get("median"),
        "ghostOverFloorAtDepth<=1.2": (per_round.get("ghost/floorAtDepth") or {}).get("median"),
        "ghostModelPausesOverFloor<=1.2": (per_round.get("ghostModelPauses/floor") or {})
        .get("median"),
        "ghostOverFloorPerPauseP50<=1.2": ((ghost_floors.get("ghost") or {})
                                           .get("latencyOverFloorPerPause") or {}).get("p50"),
        "ghostOverFloorAtDepthPerPauseP50<=1.2": ((ghost_floors.get("ghost") or {})
                                                  .get("latencyOverFloorAtDepthPerPause") or {})
        .get("p50"),
        "serverOverheadP50Ms<5": (ghost.get("serverOverheadMs") or {}).get("p50"),
        "typingThroughP50Ms<5": (ghost.get("typingThroughCacheMs") or {}).get("p50"),
        "noModelRoundTripP50Ms<5": ((ghost.get("noModelProbe") or {}).get("latencyMs") or {})
        .get("p50"),
    }
    return out


def print_summary(result: dict[str, Any], languages: list[str]) -> None:
    """A few lines on stderr: p50s per system, per round, per language; ratios."""
    for name, system in result["systems"].items():
        if "skipped" in system:
            log(f"{name}: skipped ({system['skipped']})")
            continue
        tts = system["timeToSuggestionMs"]
        rounds = system["perRoundP50Ms"]
        per_language = ", ".join(f"{language} {system['perLanguage'][language]['p50']}"
                                 for language in languages)
        log(f"{name}: p50 {tts['p50']} ms, p95 {tts['p95']} ms (n {tts['n']}); per-round p50 "
            f"{rounds['perRound']} (min {rounds['min']}, max {rounds['max']}); per language p50: "
            f"{per_language}" + (f"; {len(system['failures'])} failed runs" if system["failures"]
                                 else ""))
    for key, value in result["ratios"]["perRound"].items():
        log(f"{key}: median {value['median']} (min {value['min']}, max {value['max']}) over "
            f"{value['n']} rounds; pooled {result['ratios']['pooled'].get(key)}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    model = resolve_model(args.model)
    vocab = Vocab(model)
    replays = build_replays(args)
    languages = sorted({file.language for file in replays})
    result: dict[str, Any] = header("typing_replay")
    result["model"] = {"name": args.model, "path": str(model), "fimTokens": vocab.fim}
    result["settings"] = {k: v for k, v in vars(args).items()
                          if k not in ("json_out", "variants", "server_variants")}
    result["settings"]["ghostVariants"] = args.variants
    result["settings"]["llamaServerVariants"] = args.server_variants
    result["settings"]["llamaCppBin"] = str(bin_dir())
    result["replay"] = [{"file": f.number, "spec": f.spec, "path": f.replay.path,
                         "language": f.language, "midFile": f.replay.mid_file,
                         "startLine": f.replay.start_line + 1, "lines": args.lines,
                         "keystrokes": len(f.replay.keystrokes), "pauses": f.replay.pauses}
                        for f in replays]
    with cpu_load(args.load, args.load_max_seconds) as load:
        floor_before = measure_floor(args, model)
        plan_, runs, skipped = run_all(args, model, replays, vocab.fim)
        floor_after = measure_floor(args, model)
    result["load"] = load.describe()
    floor = result["floor"] = combine_floors(floor_before, floor_after)
    ghost_floors = floors(runs, floor, vocab.count, args.max_tokens, args.rounds)
    if "ghost" in ghost_floors:
        floor.update({k: v for k, v in ghost_floors["ghost"].items()})
    result["schedule"] = plan_
    systems: dict[str, Any] = {}
    for system in args.system_list:
        if system in skipped:
            systems[system] = {"skipped": skipped[system]}
            continue
        systems[system] = system_metrics(system, [r for r in runs if r.system == system],
                                         replays, args.rounds)
        if system in args.variants:
            settings = systems[system].get("settings") or {}
            systems[system]["variantOptions"] = args.variants[system]
            systems[system]["variantOptionsNotInSettings"] = sorted(
                key for key in args.variants[system] if key not in settings)
        if system != "ghost" and system in ghost_floors:
            systems[system]["floor"] = ghost_floors[system]
    result["systems"] = systems
    result["runs"] = [{"system": r.system, "file": r.file, "round": r.round, "position": r.position,
                       "keystrokes": r.keystrokes,
                       "timeToSuggestionMs": summary(pause_latencies(r.answers)),
                       "pauses": pause_breakdown(r.answers),
                       "wall": r.wall, **({"failure": r.failure} if r.failure else {})}
                      for r in runs]
    result["ratios"] = ratios(result, ghost_floors, args.rounds, languages)
    print_summary(result, languages)
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
