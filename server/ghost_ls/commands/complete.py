"""``ghost-ls complete FILE --line L [--col C]``: one completion, printed.

The quickest proof that the model, the context engine and the clean-up work: it runs
the same :class:`~ghost_ls.completer.Completer` the language server runs, without LSP.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import threading
import time
from pathlib import Path

from ghost_ls.commands import print_json
from ghost_ls.completer import Completer
from ghost_ls.config import Settings
from ghost_ls.context.builder import ContextBuilder
from ghost_ls.context.languages import language_id_for_path
from ghost_ls.engine.cache import CompletionCache
from ghost_ls.engine.host import ModelHost
from ghost_ls.engine.stats import Stats
from ghost_ls.errors import GhostError


def _read_text_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise GhostError(f"cannot read {path}: {error.strerror}") from error
    if b"\x00" in data[:8192]:
        raise GhostError(f"{path} looks binary; ghost-ls completes text files")
    return data.decode("utf-8", "replace")


def run_complete(args: argparse.Namespace) -> int:
    path = Path(args.file)
    text = _read_text_file(path)
    lines = text.split("\n")
    if not 1 <= args.line <= len(lines):
        raise GhostError(f"--line must be between 1 and {len(lines)} for {path}")
    line_text = lines[args.line - 1].rstrip("\r")
    column = len(line_text) if args.col is None else args.col - 1
    if not 0 <= column <= len(line_text):
        raise GhostError(f"--col must be between 1 and {len(line_text) + 1} on line {args.line}")
    settings = Settings()
    if args.model:
        settings = dataclasses.replace(settings, model=args.model)
    if args.max_tokens:
        settings = dataclasses.replace(settings, max_tokens=args.max_tokens)
    if args.extra_buffers:
        settings = dataclasses.replace(settings, extra_buffers=args.extra_buffers)

    # llama.cpp runs in the engine's child process here too: a native crash (a bad
    # model file, a CPU feature llama.cpp mishandles) is then reported with its signal
    # instead of ending the command with exit 139, for ~0.3 s more start-up.
    host = ModelHost(isolated=True)
    started = time.perf_counter()
    host.load(settings)
    if not host.ready:
        raise GhostError(host.message)
    load_seconds = time.perf_counter() - started
    backend = host.backend
    assert backend is not None
    builder = ContextBuilder(settings, backend.count_tokens)
    builder.set_model_reads_suffix(host.format.fim is not None)
    uri = path.resolve().as_uri()
    builder.did_open(uri, language_id_for_path(path) or "plaintext", 0, text)
    context = builder.build(uri, args.line - 1, column)
    assert context is not None
    stats = Stats()
    completer = Completer(host, CompletionCache(), stats)
    started = time.perf_counter()
    outcome = completer.generate(context, settings, candidates=1, cancel_event=threading.Event())
    seconds = time.perf_counter() - started
    suggestion = outcome.suggestions[0].text if outcome.suggestions else ""
    failed = next((result for result in outcome.results if result.stop_reason == "error"), None)
    host.close()
    if failed is not None and not suggestion:
        raise GhostError(f"{failed.error}; `ghost-ls doctor` checks the model and suggests a fix")
    if args.json:
        result = outcome.results[0] if outcome.results else None
        print_json(
            {
                "file": str(path),
                "line": args.line,
                "col": column + 1,
                "mode": context.mode.value,
                "completion": suggestion,
                "model": host.message,
                "loadSeconds": round(load_seconds, 3),
                "latencySeconds": round(seconds, 3),
                "promptTokens": result.prompt_tokens if result else 0,
                "generatedTokens": result.generated_tokens if result else 0,
                "stopReason": result.stop_reason if result else "none",
            }
        )
        return 0
    if not suggestion:
        reason = "mid-identifier or before code" if context.mode.value == "none" else "the model had nothing"
        print(
            f"ghost-ls: no suggestion at {path}:{args.line}:{column + 1} ({reason})",
            file=sys.stderr,
        )
        return 0
    print(line_text[:column] + "\x1b[2m" + suggestion + "\x1b[0m" if sys.stdout.isatty() else suggestion)
    return 0
