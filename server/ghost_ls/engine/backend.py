"""The contract every inference backend fulfils, and the values it exchanges.

A backend turns a :class:`Prompt` into a continuation, streamed piece by piece through
a :class:`~ghost_ls.engine.streaming.StreamDriver` that applies the stop rule, the
budgets and the cancel flag the same way for every backend.  The implementations:

- ``engine/child_backend.py``: llama.cpp in a child process (the default for local models),
  so a native crash never takes the language server down;
- ``engine/llama.py``: llama.cpp in this process (used inside that child, and by
  ``ghost-ls complete``/``doctor`` when asked to stay in-process);
- ``engine/remote/``: a shared inference server (llama-server's ``/infill``, an
  OpenAI-compatible ``/v1/completions``);
- ``engine/fake.py``: a scripted backend for protocol edge cases in tests.

Prompts travel as text: local backends tokenize it themselves (special markers
parsed), remote ones send it, or its parts, over HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

StopRule = Callable[[str], int | None]
"""Given the text generated so far, the length to keep if the suggestion is complete.

The local engine runs the rule in its child process, so it must pickle: a module-level
function, or an instance of a module-level class (``postprocess/stops.py``'s)."""


class CancelFlag(Protocol):
    """What a generation looks at to know it was cancelled: a ``threading.Event``, or
    the engine process' shared flag (``engine/child_main.py``)."""

    def is_set(self) -> bool: ...

TextSink = Callable[[str], None]
"""Receives the cumulative generated text while streaming."""

StatusCallback = Callable[[str, str], None]
"""Called with (state, message): ``loading``, ``ready``, ``error``; a backend calls it
when its engine crashes, restarts, or its server goes away and comes back."""


@dataclass(frozen=True)
class FimTokens:
    """The fill-in-the-middle marker strings a model's vocabulary defines."""

    prefix: str
    suffix: str
    middle: str


@dataclass(frozen=True)
class Prompt:
    """One prompt, whole and in parts.

    ``text`` is what a model reads, FIM markers included as text.  The parts are what
    a server that renders the FIM prompt itself (llama-server ``/infill``) is sent:
    ``prefix`` before the cursor, ``suffix`` after it, ``middle`` the part of the
    prompt after the middle marker (usually empty), ``extra`` the cross-file
    snippets as (path, text) pairs, ``path`` the file's path.  ``held_back``: what
    was typed at the end of the middle that the prompt leaves out, for the model to
    write again (:func:`without_held_back` removes it from what it wrote): the last
    space or tab (a prompt ending in a space makes a model start with a second one), or
    an opening bracket or a member-access dot with the whitespace around it
    (``HELD_BACK_MARKS``); the rule is ``templates.held_back``.
    """

    text: str
    prefix: str = ""
    suffix: str = ""
    middle: str = ""
    extra: tuple[tuple[str, str], ...] = ()
    path: str = ""
    held_back: str = ""


HELD_BACK_OPENERS = ("(", "[", "{")
"""An opening bracket that ends the typed middle is left for the model to write.

A prompt that ends in ``(`` splits the text where the tokenizer would not: the model
reads ``(`` as a token of its own, which in its training text was mostly followed by
a literal or a newline.  On the 0.5B, after ``return core._bigint(`` behind the middle
marker it wrote ``0) as any;`` at four such places of four (a type name and
``params`` at three with the bracket held back); the 1.5B ended at once.  The
model writes the bracket again, merged with what follows as it likes."""


HELD_BACK_DOT = "."
"""A dot that ends the typed middle (``self.``, ``obj.``) is left for the model to write
too, for the same reason: the tokenizer reads ``.get_mut`` or ``.js`` as one token, and
behind a prompt that ends in a lone ``.`` the model wrote ``0.get_mut(self.cur)`` after
``self.`` (a tuple field), ``ios";`` after ``index.``, ``unsigned_sub`` where the line
calls ``saturating_sub`` (bench/README.md, "Held-back dot")."""

HELD_BACK_MARKS = (*HELD_BACK_OPENERS, HELD_BACK_DOT)
"""What the typed middle may end with that the prompt leaves for the model to write."""

HELD_BACK_GLUED = tuple("_$<>!-'\":@#&*/\\|?%^~`=+,;")
"""A punctuation mark typed right after a letter or digit is left out too (only there:
``templates.held_back``).  The tokenizers of these models read one such mark together
with the letters after it (Qwen's pretokenizer: ``some_name`` is ``some`` + ``_name``,
``key=value`` is ``key`` + ``=value``, ``Vec<T`` is ``Vec`` + ``<T``), so a prompt
that ends in ``encode_`` splits the text where the tokenizer never does, and the model
wrote ``aware_content`` where the line says ``encode_content``, ``1(`` after ``sub_``
(bench/README.md, "Held-back marks after a word").  Behind letters or digits only: after
a space the tokenizer splits there anyway (`` $`` and `` =`` are tokens of their own)."""


def held_back_mark(held_back: str) -> str:
    """The mark (bracket, dot or glued mark) the model must begin with (``""`` when
    ``held_back`` holds none).

    The local engine lets only tokens that begin with it (after spaces or tabs) be
    sampled first, and remote engines are sent a grammar that says the same
    (``remote/first_mark.py``): the person typed it, so an answer that writes something
    else first (``new(`` → ``BoolValue(value, f)``, ``collect(`` → ``::<Vec<_>>()``)
    could only be dropped."""
    before_mark = held_back.lstrip(" \t")
    return before_mark[0] if before_mark.startswith((*HELD_BACK_MARKS, *HELD_BACK_GLUED)) else ""


def without_held_back(text: str, held_back: str) -> str:
    """``text`` the model wrote without what the user had already typed and the prompt
    held back: ``""`` when the model did not write the held-back bracket or dot (it
    parted from the typing); the whitespace before it is the user's, whatever the
    model wrote there.

    Of the whitespace, when the model wrote less of it than was typed, all its leading
    whitespace goes (the user's is already there).
    """
    if not held_back:
        return text
    mark = held_back_mark(held_back)
    if mark:  # the model may space it as it likes
        written = text.lstrip(" \t")
        if not written.startswith(mark):
            return ""
        text, held_back = written[1:], held_back.lstrip(" \t")[1:]
        if not held_back:
            return text
    if text.startswith(held_back):
        return text[len(held_back):]
    stripped = text.lstrip(" \t")
    return stripped if held_back.startswith(text[: len(text) - len(stripped)]) else text


@dataclass
class GenerationRequest:
    """One generation: a prompt and the rules for when to stop."""

    prompt: Prompt
    max_tokens: int
    temperature: float = 0.0
    seed: int = 0
    time_budget: float = float("inf")
    """Seconds of sampling, counted once the prompt is read, after which generation stops
    at the end of the line in progress (``engine/streaming.py``: a cut line is dropped).
    Reading the prompt is bounded only by ``cancel``: it is kept in the
    KV cache either way, so a slow first read still pays off for the next request."""
    stop: StopRule | None = None
    on_text: TextSink | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    stop_strings: tuple[str, ...] = ()
    """Strings that end the text where they begin (a template's end markers), for
    backends whose server reports no end-of-generation token of its own."""
    cold_prompt: Prompt | None = None
    """A shorter prompt for the same place, which the llama.cpp engine reads instead
    when it costs at most half as much given its KV cache (``engine/prompt_choice.py``);
    other backends read ``prompt``."""


STOP_REASONS = ("stop-rule", "eos", "max-tokens", "timeout", "cancelled", "error")


@dataclass
class GenerationResult:
    """What a generation produced and what it cost."""

    text: str
    stop_reason: str
    """One of :data:`STOP_REASONS`."""
    prompt_tokens: int = 0
    reused_tokens: int = 0
    """Prompt tokens already in the KV cache from the previous request."""
    evaluated_tokens: int = 0
    """Prompt tokens evaluated for this request (``prompt_tokens - reused_tokens``)."""
    generated_tokens: int = 0
    prompt_seconds: float = 0.0
    generate_seconds: float = 0.0
    error: str = ""
    """What went wrong when ``stop_reason`` is ``error``."""
    threads: int = 0
    """CPU threads the local engine ran it on (``engine/threads.py``); 0 for a server."""
    cold_prompt: bool = False
    """Whether the short prompt was read (``GenerationRequest.cold_prompt``)."""

    @property
    def cancelled(self) -> bool:
        return self.stop_reason == "cancelled"

    @property
    def tokens_per_second(self) -> float:
        if self.generate_seconds <= 0:
            return 0.0
        return self.generated_tokens / self.generate_seconds


@dataclass(frozen=True)
class LlamaEngineInfo:
    """What a local llama.cpp engine reports beyond :class:`BackendInfo`
    (``engine/llama.py`` fills it, ``engine/child_backend.py`` adds its child's)."""

    threads: int = 0
    """The most CPU threads llama.cpp uses (a generation may get fewer, ``engine/threads.py``)."""
    gpu_offload_supported: bool = False
    gpu_layers: int = 0
    system_info: str = ""
    extra_buffers: bool = True
    """Whether llama.cpp may use its extra CPU buffer types (AMX, weight repacking)."""
    extra_buffers_reason: str = ""
    """Why ``extra_buffers`` has its value (see ``engine/cpu_features.py``)."""
    flash_attention: bool = False
    """Whether llama.cpp's context was made with flash attention on."""
    process_id: int = 0
    """The engine's process when it runs in a child, else 0."""
    restarts: int = 0
    """How often the engine process was restarted after a crash."""


@dataclass(frozen=True)
class RemoteServerInfo:
    """What a remote backend reports beyond :class:`BackendInfo`: the server it talks to
    (``engine/remote/backend.py``)."""

    endpoint: str
    """The server's base URL."""
    warning: str = ""
    """A risk the user should know of (plain http:// to another machine)."""


@dataclass(frozen=True)
class BackendInfo:
    """What ``doctor`` and ``ghost/status`` report about the loaded model, whatever the
    backend; what only one kind of backend knows is in its own record."""

    backend: str
    """``llama.cpp``, or the remote API (``llama-server``, ``openai``), or ``fake``."""
    model_path: str
    """The GGUF file; "" where the model is not here (a remote server's)."""
    description: str = ""
    context_size: int = 0
    fim: FimTokens | None = None
    engine: LlamaEngineInfo | None = None
    """The local llama.cpp engine's own detail; None for a remote or scripted backend."""
    server: RemoteServerInfo | None = None
    """The remote server's detail; None for a local or scripted backend."""


class Backend(Protocol):
    """A loaded model that counts tokens and generates."""

    def info(self) -> BackendInfo: ...

    def count_tokens(self, text: str) -> int:
        """Tokens in ``text`` (no special tokens, no BOS); may be an estimate."""
        ...

    def fim_tokens(self) -> FimTokens | None:
        """The FIM markers the model's vocabulary defines, None if unknown or none."""
        ...

    def generate(self, request: GenerationRequest) -> GenerationResult:
        """Generate until the stop rule, EOS, the budgets or ``request.cancel``.

        Never raises for a failure of the model or the server: the result's
        ``stop_reason`` is then ``error`` and ``error`` says what happened.
        """
        ...

    def close(self) -> None: ...
