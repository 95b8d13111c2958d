"""A deliberately naive inline-completion language server: the "before" of ghost-ls.

What it does, per ``textDocument/inlineCompletion`` request, and nothing more:
- rebuilds a sliding-window prompt from scratch: the last ``--window-lines`` lines up
  to the cursor (60 by default, as many simple plugins do); for a model with FIM tokens
  it is PSM ``<pre>window<suf>rest of line + next --suffix-lines lines<mid>``;
- resets llama.cpp's KV cache (``Llama.reset()``), so the whole prompt is evaluated
  every time;
- generates greedily up to ``--max-tokens`` tokens, stopping only at end-of-generation
  (no stop rule, no typing-through cache, no clean-up beyond trailing whitespace) —
  or, with ``--stop-at-newline``, also at the first newline: the "plain FIM server"
  baseline of ``bench/humaneval.py`` (60 lines above, 20 below, reset per request);
- runs one generation at a time on one thread; a request cancelled (``$/cancelRequest``)
  before its turn is skipped, a running one stops between two generated tokens (the
  prompt evaluation itself cannot be interrupted).

``naive/status`` answers counters with the same names ``ghost/status`` uses
(``modelCalls``, ``tokensEvaluatedTotal``, ...) so the typing replay can compare them.

Run (the typing replay starts it for you):
    .venv/bin/python bench/baselines/naive_server.py --model PATH.gguf
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import llama_cpp
from lsprotocol import types
from pygls.lsp.server import LanguageServer

from ghost_ls.engine.llama_loading import bare_llama


class NaiveEngine:
    """One llama.cpp model, used without any reuse between requests."""

    def __init__(
        self, model: str, *, threads: int, context: int, max_tokens: int, stop_at_newline: bool = False
    ) -> None:
        self.stop_at_newline = stop_at_newline
        self.llm = bare_llama(
            model,
            n_ctx=context,
            n_batch=512,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
        vocab = self.llm._model.vocab
        ids = [
            llama_cpp.llama_vocab_fim_pre(vocab),
            llama_cpp.llama_vocab_fim_suf(vocab),
            llama_cpp.llama_vocab_fim_mid(vocab),
        ]
        self.fim: list[int] | None = [int(i) for i in ids] if min(ids) >= 0 else None
        self.max_tokens = max_tokens
        self.context = context
        self.counters: dict[str, float] = {
            "requests": 0,
            "modelCalls": 0,
            "cacheHits": 0,
            "cancelled": 0,
            "tokensEvaluatedTotal": 0,
            "tokensReusedTotal": 0,
            "tokensGeneratedTotal": 0,
            "lastEvaluatedTokens": 0,
            "lastGeneratedTokens": 0,
            "lastLatencyMs": 0.0,
        }

    def tokens(self, text: str) -> list[int]:
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def prompt(self, before: str, after: str) -> list[int]:
        bos = list(self.llm.tokenize(b"", add_bos=True, special=False))
        if self.fim is None:
            tokens = [*bos, *self.tokens(before)]
        else:
            pre, suf, mid = self.fim
            tokens = [*bos, pre, *self.tokens(before), suf, *self.tokens(after), mid]
        room = self.context - self.max_tokens - 1
        return tokens[-room:]

    def complete(self, before: str, after: str, cancel: threading.Event) -> str | None:
        """Whole-prompt evaluation and plain greedy generation; None when cancelled."""
        if cancel.is_set():
            return None
        started = time.perf_counter()
        prompt = self.prompt(before, after)
        self.llm.reset()
        self.counters["modelCalls"] += 1
        self.counters["tokensEvaluatedTotal"] += len(prompt)
        self.counters["lastEvaluatedTokens"] = len(prompt)
        pieces: list[str] = []
        generated = 0
        stream = self.llm.create_completion(
            prompt, max_tokens=self.max_tokens, temperature=0.0, stream=True
        )
        for chunk in stream:
            generated += 1
            pieces.append(chunk["choices"][0]["text"])  # type: ignore[index]
            if cancel.is_set():
                break
            if self.stop_at_newline and "\n" in pieces[-1]:
                pieces[-1] = pieces[-1].split("\n", 1)[0]
                break
        generated = min(generated, self.max_tokens)  # the stream ends with an empty chunk
        self.counters["tokensGeneratedTotal"] += generated
        self.counters["lastGeneratedTokens"] = generated
        self.counters["lastLatencyMs"] = (time.perf_counter() - started) * 1000
        if cancel.is_set():
            self.counters["cancelled"] += 1
            return None
        return "".join(pieces).rstrip()


def windows(lines: list[str], line: int, column: int, window: int, below: int) -> tuple[str, str]:
    """The ``window`` lines up to the cursor, and the rest of the line plus ``below`` lines."""
    current = lines[line] if line < len(lines) else ""
    before = "".join(lines[max(0, line - window + 1) : line]) + current[:column]
    after = current[column:] + "".join(lines[line + 1 : line + 1 + below])
    return before, after


def create_server(engine: NaiveEngine, window: int, below: int) -> LanguageServer:
    server = LanguageServer(
        "naive-completion-server",
        "0",
        text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
    )
    executor = ThreadPoolExecutor(max_workers=1)

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline(
        ls: LanguageServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList:
        engine.counters["requests"] += 1
        document = ls.workspace.get_text_document(params.text_document.uri)
        position = params.position
        before, after = windows(document.lines, position.line, position.character, window, below)
        cancel = threading.Event()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(executor, engine.complete, before, after, cancel)
        try:
            text = await asyncio.shield(future)
        except asyncio.CancelledError:
            cancel.set()
            raise
        if not text:
            return types.InlineCompletionList(items=[])
        item = types.InlineCompletionItem(
            insert_text=text, range=types.Range(start=position, end=position)
        )
        return types.InlineCompletionList(items=[item])

    @server.feature("naive/status")
    def status(ls: LanguageServer, params: Any) -> dict[str, Any]:
        return dict(engine.counters)

    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="naive inline-completion server (benchmarks)")
    parser.add_argument("--model", required=True, help="path to a .gguf file")
    parser.add_argument("--window-lines", type=int, default=60)
    parser.add_argument("--suffix-lines", type=int, default=20, help="FIM models only")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--context", type=int, default=4096)
    parser.add_argument("--stop-at-newline", action="store_true", help="end at the first newline")
    args = parser.parse_args(argv)
    engine = NaiveEngine(
        args.model, threads=args.threads, context=args.context, max_tokens=args.max_tokens,
        stop_at_newline=args.stop_at_newline,
    )
    create_server(engine, args.window_lines, args.suffix_lines).start_io()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
