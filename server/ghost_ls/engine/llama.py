"""llama.cpp in-process through llama-cpp-python: the backend that generates.

With ``engine/llama_loading.py`` (how every model is loaded), the only module that
imports ``llama_cpp``.  The language server runs it inside the engine's child process
(``engine/child_main.py``).  The context lives across requests.  Each generation
compares the new prompt with the tokens already in the KV cache and evaluates only what
follows their longest common prefix; the rest of the prompt is evaluated in chunks of
``EVAL_CHUNK`` tokens, and llama.cpp's abort callback looks at the cancel flag between
the operations of a chunk, so that a cancel stops the read at once; the chunks read
before it stay cached for the next request.
Sampling runs one token at a time and asks the stop rule after every token.
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ghost_ls.engine import prompt_choice
from ghost_ls.engine.backend import (
    BackendInfo,
    CancelFlag,
    FimTokens,
    GenerationRequest,
    GenerationResult,
    LlamaEngineInfo,
    held_back_mark,
)
from ghost_ls.engine.cpu_features import choose_for_this_cpu, system_info
from ghost_ls.engine.llama_loading import (
    RECENT_ERRORS,
    default_threads,
    extra_buffers_for_loads,
    gguf_tensor_count,
    gpu_offload_supported,
    load_failure,
    route_llama_logs,
)
from ghost_ls.engine.streaming import StreamDriver
from ghost_ls.engine.threads import LoadAwareThreads, LoadSampler
from ghost_ls.errors import BackendError, ModelError

log = logging.getLogger(__name__)

EVAL_CHUNK = 128
"""Prompt tokens evaluated in one ``llama_decode``.  A cancel stops a chunk midway (the
abort callback) and loses what that chunk had read, so a chunk is a trade: bigger ones
read faster on a CPU (a matrix product over more rows) and lose more to a cancel.  At
128 the 1.5B read at 1.04x llama-bench's pp512 (p50; 32 tokens: 0.84x) on a 2-vCPU
Xeon (``bench/prompt_speed.py``, ``bench/results/*-prompt-speed-*.json``)."""


class LlamaBackend:
    """A GGUF model loaded with llama.cpp, generating with KV-cache prefix reuse."""

    def __init__(
        self,
        model_path: Path,
        *,
        gpu_layers: int = -1,
        context_size: int = 4096,
        threads: int = 0,
        vocab_only: bool = False,
        extra_buffers: bool | None = None,
        extra_buffers_reason: str = "",
        native_stderr: bool = False,
        flash_attention: bool = False,
        eval_chunk: int = EVAL_CHUNK,
        not_load_pids: Sequence[int] = (),
    ) -> None:
        """``extra_buffers``: llama.cpp's ``use_extra_bufts``; None: this CPU's safe choice
        (off where AMX would crash, see ``engine/cpu_features.py``).

        ``native_stderr``: leave fd 2 open while loading, so that llama.cpp's own
        messages (a failed ``GGML_ASSERT``) reach it; the engine's child process, whose
        stderr the parent reads, sets it.  Otherwise llama-cpp-python points fd 2 at
        /dev/null for the duration of the load.

        ``eval_chunk``: prompt tokens per ``llama_decode`` (``EVAL_CHUNK``; a benchmark
        compares sizes).

        ``not_load_pids``: processes whose CPU time ``threads: 0`` does not count as the
        machine's load (the language server that started the engine's child process)."""
        if model_path.is_dir():
            raise ModelError(f"model path {model_path} is a directory, not a .gguf file")
        if not model_path.is_file():
            raise ModelError(f"model file not found: {model_path}")
        if not vocab_only and gguf_tensor_count(model_path) == 0:
            raise ModelError(
                f"{model_path} holds a vocabulary but no weights (a vocab-only GGUF, as used to "
                f"test tokenizers): it cannot generate. Point `model` at a full model file, "
                f"or pick one from `ghost-ls models list`."
            )
        try:
            import llama_cpp
        except ImportError as error:  # pragma: no cover - install problem
            raise BackendError(f"llama-cpp-python is not installed: {error}") from error
        route_llama_logs()
        self._lib = llama_cpp
        self._path = model_path
        self._threads = threads or default_threads()
        self._thread_choice = LoadAwareThreads(threads, self._threads, not_load_pids=not_load_pids)
        self._threads_now = self._threads
        self._gpu_layers = gpu_layers if gpu_offload_supported() else 0
        if extra_buffers is None:
            choice = choose_for_this_cpu("auto")
            extra_buffers, extra_buffers_reason = choice.enabled, choice.reason
        self._extra_buffers = extra_buffers
        self._extra_buffers_reason = extra_buffers_reason
        RECENT_ERRORS.clear()
        try:
            with extra_buffers_for_loads(extra_buffers):
                self._llm: Any = llama_cpp.Llama(
                    model_path=str(model_path),
                    n_gpu_layers=self._gpu_layers,
                    n_ctx=context_size,
                    n_batch=512,
                    n_threads=self._threads,
                    n_threads_batch=self._threads,
                    swa_full=True,  # sliding-window models (Gemma 3) keep rollback-able KV
                    flash_attn=flash_attention,
                    vocab_only=vocab_only,
                    verbose=native_stderr,
                )
        except (ValueError, RuntimeError, OSError) as error:
            raise ModelError(load_failure(model_path, error, list(RECENT_ERRORS))) from error
        self._closed = False
        self._load_sampler = None if vocab_only else LoadSampler(self._thread_choice)
        self._eval_chunk = max(1, min(eval_chunk, int(self._llm.n_batch)))
        self._reading: CancelFlag | None = None
        self._abort_callback = llama_cpp.ggml_abort_callback(self._should_abort)
        if not vocab_only:
            llama_cpp.llama_set_abort_callback(self._llm._ctx.ctx, self._abort_callback, None)
        self._flash_attention = (  # as the context was made, not as asked
            self._llm.context_params.flash_attn_type == llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED
        )
        self._vocab = self._llm._model.vocab
        self._pieces: dict[tuple[int, bool], bytes] = {}
        self._mark_masks: dict[str, Any] = {}
        """Per held-back mark, which token ids begin with it (``_tokens_starting``)."""
        self._first_bytes: Any = None if vocab_only else self._first_byte_table()
        """Per token id, the first byte of its text after spaces and tabs (-1: none);
        made at load, so that no suggestion waits for the walk (``_tokens_starting``)."""
        self._context_size = int(self._llm.n_ctx())
        self._add_bos = (
            bool(self._llm._model.add_bos_token()) if hasattr(self._llm._model, "add_bos_token") else True
        )

    # -- vocabulary -------------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        self._check_open()
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def count_tokens(self, text: str) -> int:
        if not text:
            return 0
        self._check_open()
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _check_open(self) -> None:
        """llama.cpp frees the vocabulary on close: touching it then would crash."""
        if self._closed:
            raise BackendError("the model is closed")

    def bos(self) -> list[int]:
        token = int(self._llm.token_bos())
        return [token] if self._add_bos and token >= 0 else []

    def fim_tokens(self) -> FimTokens | None:
        """FIM marker strings read from the GGUF vocabulary, None if it has none."""
        ids = [
            self._lib.llama_vocab_fim_pre(self._vocab),
            self._lib.llama_vocab_fim_suf(self._vocab),
            self._lib.llama_vocab_fim_mid(self._vocab),
        ]
        if any(token < 0 for token in ids):
            return None
        pieces = [self._piece(token, special=True) for token in ids]
        return FimTokens(prefix=pieces[0], suffix=pieces[1], middle=pieces[2])

    def _piece(self, token: int, *, special: bool = False) -> str:
        return self._piece_bytes(token, special=special).decode("utf-8", "replace")

    def _piece_bytes(self, token: int, *, special: bool = False) -> bytes:
        """The bytes token ``token`` stands for (a piece may be part of a UTF-8 character)."""
        key = (token, special)
        cached = self._pieces.get(key)
        if cached is not None:
            return cached
        size = 64
        while True:
            buffer = ctypes.create_string_buffer(size)
            length = self._lib.llama_token_to_piece(self._vocab, token, buffer, size, 0, special)
            if length >= 0:
                break
            size = -length
        piece = buffer.raw[:length]
        self._pieces[key] = piece
        return piece

    def info(self) -> BackendInfo:
        return BackendInfo(
            backend="llama.cpp",
            model_path=str(self._path),
            description=str(self._llm._model.desc()),
            context_size=self._context_size,
            fim=self.fim_tokens(),
            engine=LlamaEngineInfo(
                threads=self._threads,
                gpu_offload_supported=gpu_offload_supported(),
                gpu_layers=self._gpu_layers,
                system_info=system_info(),
                extra_buffers=self._extra_buffers,
                extra_buffers_reason=self._extra_buffers_reason,
                flash_attention=self._flash_attention,
            ),
        )

    def close(self) -> None:
        self._closed = True
        if self._load_sampler is not None:
            self._load_sampler.close()
        with contextlib.suppress(Exception):
            self._llm.close()

    # -- generation -------------------------------------------------------------------

    def prompt_tokens(self, text: str) -> list[int]:
        """``text`` as the model reads it: BOS if the model wants one, markers parsed."""
        return self.bos() + self.tokenize(text)

    def generate(self, request: GenerationRequest) -> GenerationResult:
        result = GenerationResult(text="", stop_reason="")
        driver = StreamDriver(request, result)
        cold = request.cold_prompt
        try:
            self.run(
                self.prompt_tokens(request.prompt.text),
                result,
                driver,
                request.cancel,
                max_tokens=request.max_tokens,
                temperature=request.temperature,
                seed=request.seed,
                cold_tokens=self.prompt_tokens(cold.text) if cold is not None else None,
                first_mark=held_back_mark(request.prompt.held_back),
            )
        except BackendError as error:
            driver.fail(str(error))
        return driver.finish()

    def run(
        self,
        tokens: list[int],
        result: GenerationResult,
        driver: StreamDriver,
        cancel: CancelFlag,
        *,
        max_tokens: int,
        temperature: float,
        seed: int,
        cold_tokens: list[int] | None = None,
        first_mark: str = "",
    ) -> None:
        """Evaluate ``tokens`` after the cached prefix, then sample into ``driver``.

        ``cold_tokens``: a shorter prompt for the same place, read instead when it costs
        at most half as much as ``tokens`` now (``engine/prompt_choice.py``).
        ``first_mark``: a mark the first sampled token must begin with (a bracket, a
        dot, a glued mark: ``backend.held_back_mark``).  The engine's child process
        calls this with its own driver, which runs the request's stop rule there
        (``engine/child_main.py``)."""
        cached = self._llm.input_ids[: self._llm.n_tokens].tolist()
        short = self._fit_prompt(cold_tokens, max_tokens) if cold_tokens else None
        full = self._fit_prompt(tokens, max_tokens)
        prompt, result.cold_prompt = prompt_choice.choose(cached, full, short)
        result.prompt_tokens = len(prompt)
        started = time.perf_counter()
        reused = self._rewind_to_common_prefix(prompt)
        result.reused_tokens = reused
        finished = self._evaluate(prompt[reused:], cancel)
        result.threads = self._use_threads(self._thread_choice.choose())  # and for sampling
        result.evaluated_tokens = self._llm.n_tokens - reused
        result.prompt_seconds = time.perf_counter() - started
        if not finished:
            result.stop_reason = "cancelled"
            return
        self._sample_loop(driver, temperature, seed, first_mark)

    def _use_threads(self, count: int) -> int:
        """Run the next generation on ``count`` threads (``engine/threads.py``)."""
        if count != self._threads_now:
            self._lib.llama_set_n_threads(self._llm._ctx.ctx, count, count)
            log.debug("llama.cpp threads: %d -> %d", self._threads_now, count)
            self._threads_now = count
        return count

    def _fit_prompt(self, prompt: list[int], max_tokens: int) -> list[int]:
        """Drop tokens from the front when prompt + generation would overflow the context."""
        room = self._context_size - max_tokens - 1
        if len(prompt) <= room:
            return prompt
        log.warning("prompt of %d tokens cut to %d to fit the context", len(prompt), room)
        return prompt[len(prompt) - room :]

    def _rewind_to_common_prefix(self, prompt: list[int]) -> int:
        """Keep the cached tokens shared with ``prompt``; return how many are kept."""
        llm = self._llm
        common = prompt_choice.shared_prefix(llm.input_ids[: llm.n_tokens].tolist(), prompt)
        if common == len(prompt):
            common -= 1  # re-evaluate the last token to get fresh logits
        common = max(common, 0)
        if common < llm.n_tokens and not llm._ctx.kv_cache_seq_rm(-1, common, -1):
            log.debug("partial KV removal refused; evaluating the whole prompt")
            llm._ctx.kv_cache_clear()
            common = 0
        llm.n_tokens = common
        return common

    def _evaluate(self, tokens: list[int], cancel: CancelFlag) -> bool:
        """Evaluate ``tokens`` in chunks; False when cancelled first.

        The thread count is chosen again before each chunk (``engine/threads.py``): a
        read takes seconds, and the load it began beside (another language server
        parsing the file just opened, a build step) may be gone after the first chunk."""
        self._reading = cancel
        try:
            for start in range(0, len(tokens), self._eval_chunk):
                if cancel.is_set():
                    return False
                self._use_threads(self._thread_choice.choose())
                try:
                    self._llm.eval(tokens[start : start + self._eval_chunk])
                except RuntimeError as error:
                    if cancel.is_set():  # aborted: llama.cpp dropped this chunk's KV entries
                        return False
                    self._llm.n_tokens = 0
                    raise BackendError(f"llama.cpp failed to evaluate the prompt: {error}") from error
        finally:
            self._reading = None
        return True

    def _should_abort(self, _data: Any) -> bool:
        """llama.cpp's abort callback, called between the operations of a decode: True
        stops a prompt read that was cancelled.  Sampling is never aborted (one token)."""
        reading = self._reading
        return reading is not None and reading.is_set()

    def _sample_loop(self, driver: StreamDriver, temperature: float, seed: int,
                     first_mark: str = "") -> None:
        llm = self._llm
        processors = [self._first_token_starting(first_mark)] if first_mark else None
        llm._sampler = llm._init_sampler(
            temp=temperature, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0,
            logits_processor=processors,
        )
        llm.set_seed(seed)
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        driver.start_sampling()
        try:
            while driver.should_continue():
                token = int(llm.sample(temp=temperature))
                if self._ends(token):
                    driver.end_of_stream()
                    break
                if not driver.feed(decoder.decode(self._piece_bytes(token))):
                    break  # the stop rule cut it: the token is not evaluated
                llm.eval([token])
        finally:
            llm._sampler = None

    def _first_token_starting(self, mark: str) -> Callable[[Any, Any], Any]:
        """A logits processor that, at the first token only, leaves the tokens whose
        text begins (after spaces or tabs) with ``mark``."""
        allowed = self._tokens_starting(mark)
        first = [True]

        def only_at_first(_input_ids: Any, logits: Any) -> Any:
            if not first[0]:
                return logits
            first[0] = False
            return np.where(allowed[: len(logits)], logits, -np.inf)

        return only_at_first

    def _tokens_starting(self, mark: str) -> Any:
        """For each token id, whether its text begins (after spaces or tabs) with
        ``mark``, a one-byte mark (every held-back mark is one ASCII character): one
        comparison with the first-byte table, kept for the next suggestion."""
        if mark not in self._mark_masks:
            if self._first_bytes is None:
                self._first_bytes = self._first_byte_table()
            self._mark_masks[mark] = self._first_bytes == mark.encode("utf-8")[0]
        return self._mark_masks[mark]

    def _first_byte_table(self) -> Any:
        """Per token id, the first byte of its text after spaces and tabs (-1: none).

        One walk over the vocabulary: 0.22 s for Qwen's 151k tokens on a 2-core Xeon,
        paid while the model loads rather than by the first suggestion after a mark."""
        count = int(self._lib.llama_vocab_n_tokens(self._vocab))
        firsts = np.full(count, -1, dtype=np.int16)
        buffer = ctypes.create_string_buffer(64)
        for token in range(count):
            size = self._lib.llama_token_to_piece(self._vocab, token, buffer, 64, 0, False)
            piece = buffer.raw[:size].lstrip(b" \t") if size > 0 else b""
            if piece:
                firsts[token] = piece[0]
        return firsts

    def _ends(self, token: int) -> bool:
        """End of generation, or a control token (a FIM marker) that no suggestion holds."""
        return bool(self._lib.llama_vocab_is_eog(self._vocab, token)) or self._is_control(token)

    def _is_control(self, token: int) -> bool:
        is_control = getattr(self._lib, "llama_vocab_is_control", None)
        return bool(is_control(self._vocab, token)) if is_control else False
