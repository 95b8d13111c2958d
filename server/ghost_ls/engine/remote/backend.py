"""A backend whose model runs on an inference server: one streamed HTTP request per generation.

Every event's text goes through the :class:`StreamDriver` (stop rule, stop strings,
budgets, cancel), and the connection is closed as soon as the driver says the suggestion
is complete, the request is cancelled or the time budget is spent: the server then stops
generating for it.

Failures never raise: the result's ``stop_reason`` is ``error``, its text empty.  A
connection failure or a 5xx answer before any text arrived is retried (``ATTEMPTS``
in all, with a short backoff that a cancel interrupts).  The first failure after a
success reports ``error`` through ``on_status`` (``<endpoint> is not reachable: …``),
the first success after a failure ``ready`` again.

A server that answers a request carrying a ``grammar`` (``first_mark.py``) with a 4xx
is asked again at once without it, and is sent none from then on if that works: a
server that validates its fields strictly loses the held-back mark's constraint, not
its answers.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from ghost_ls.engine.backend import (
    BackendInfo,
    FimTokens,
    GenerationRequest,
    GenerationResult,
    RemoteServerInfo,
    StatusCallback,
)
from ghost_ls.engine.remote.endpoint import Endpoint
from ghost_ls.engine.remote.first_mark import first_mark_grammar
from ghost_ls.engine.remote.sse_client import EventStream, Stopped, StreamError
from ghost_ls.engine.remote.wire import ServerApi
from ghost_ls.engine.streaming import StreamDriver

log = logging.getLogger(__name__)

ATTEMPTS = 3
"""Tries per generation for connection failures and 5xx answers before any text."""

BACKOFF_SECONDS = (0.1, 0.4)
"""Waits before the second and third try."""

CONNECT_TIMEOUT_SECONDS = 3.0

READ_TIMEOUT_SECONDS = 30.0
"""Longest silence from the server: before its first event that is queueing plus reading
the prompt, which the time budget does not bound (as for the local engine, a slow
first read pays off through the server's prompt cache); after it the time budget
(``timeoutMs``) closes the stream first."""

CHARS_PER_TOKEN = 3
"""Token estimate for budgets: code averages 3.5-4 characters a token in BPE
vocabularies, so counting 3 overestimates and keeps prompts within the budget."""


class RemoteBackend:
    """A :class:`~ghost_ls.engine.backend.Backend` on a server ``api`` speaks to."""

    def __init__(
        self,
        api: ServerApi,
        endpoint: Endpoint,
        *,
        model: str,
        api_key: str = "",
        read_timeout: float = READ_TIMEOUT_SECONDS,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        on_status: StatusCallback | None = None,
        warning: str = "",
    ) -> None:
        self.api = api
        self.endpoint = endpoint
        self.model = model
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        self.warning = warning
        self._api_key = api_key
        self._on_status = on_status
        self._failing = ""
        """The message of the last reported failure, "" while healthy."""
        self.sends_grammar = True
        """False once the server refused a request with a ``grammar`` (module docstring)."""
        self._lock = threading.Lock()

    # -- Backend -----------------------------------------------------------------------

    def info(self) -> BackendInfo:
        return BackendInfo(
            backend=self.api.name,
            model_path="",
            description=f"{self.model} on {self.endpoint} ({self.api.name} API)",
            server=RemoteServerInfo(endpoint=str(self.endpoint), warning=self.warning),
        )

    def count_tokens(self, text: str) -> int:
        """An estimate (the server's tokenizer is not here): characters / 3, rounded up."""
        return math.ceil(len(text) / CHARS_PER_TOKEN)

    def fim_tokens(self) -> FimTokens | None:
        """None: the FIM template comes from the catalog entry of the ``model`` setting."""
        return None

    def generate(self, request: GenerationRequest) -> GenerationResult:
        result = GenerationResult(text="", stop_reason="")
        driver = StreamDriver(request, result)
        started = time.monotonic()
        failure: StreamError | None = None
        refusal: StreamError | None = None  # a 4xx to the request with a grammar
        for attempt in range(ATTEMPTS):
            if attempt and request.cancel.wait(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1]):
                break
            if not driver.should_continue():
                break
            try:
                self._stream(request, driver, started)
            except Stopped:
                driver.should_continue()  # records cancelled or timeout
                failure = None
                break
            except StreamError as error:
                failure = error
                if refusal is None and self._refused_grammar(error, request):
                    refusal, self.sends_grammar = error, False
                    continue
                if error.retryable and result.generated_tokens == 0:
                    log.info(
                        "%s: %s (try %d of %d)", self.endpoint, self._scrub(str(error)), attempt + 1, ATTEMPTS
                    )
                    continue
                break
            except Exception as error:  # a bug here must not take a completion down with it
                log.exception("remote generation failed")
                failure = StreamError("protocol", f"unexpected failure: {error}")
                break
            failure = None
            break
        if refusal is not None:
            self._settle_grammar(refusal, worked=failure is None and not request.cancel.is_set())
        if request.cancel.is_set() and not result.stop_reason:
            result.stop_reason = "cancelled"
        if failure is not None:  # reported even when a cancel cut the retries short
            message = self._failure_message(failure)
            self._report_failure(message)
            if not result.cancelled:
                driver.fail(message)
        elif not result.cancelled:
            self._report_success()
        finished = driver.finish()
        if finished.stop_reason == "error":
            finished.text = ""
        return finished

    def close(self) -> None:
        """Nothing to release: each generation opens and closes its own connection."""

    def _refused_grammar(self, error: StreamError, request: GenerationRequest) -> bool:
        """Whether ``error`` may be the server refusing the ``grammar`` field: a 4xx other
        than an authentication or path error, to a request that carried one."""
        if not self.sends_grammar or error.kind != "http" or not 400 <= error.status < 500:
            return False
        return error.status not in (401, 403, 404) and bool(first_mark_grammar(request))

    def _settle_grammar(self, refusal: StreamError, *, worked: bool) -> None:
        """After a request was sent again without its grammar: none is sent from now on
        if that worked; if it failed too (or was cancelled), the refusal may not have been
        about the grammar, and the next request carries one again."""
        if not worked:
            self.sends_grammar = True
            return
        log.warning(
            "%s refused a request with a grammar (%s); sending none from now on",
            self.endpoint, self._scrub(str(refusal)),
        )

    def _body(self, request: GenerationRequest) -> dict[str, object]:
        """The request's JSON body, without ``grammar`` once the server refused one."""
        body = self.api.body(request)
        if not self.sends_grammar:
            body.pop("grammar", None)
        return body

    # -- one request -------------------------------------------------------------------

    def _stream(self, request: GenerationRequest, driver: StreamDriver, started: float) -> None:
        """One try; returns when the stream is complete or the driver stopped it."""
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        deadline = [math.inf]

        def should_stop() -> bool:
            return request.cancel.is_set() or time.monotonic() > deadline[0]

        with EventStream(
            self.endpoint,
            self.api.path,
            self._body(request),
            headers,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            should_stop=should_stop,
        ) as stream:
            stream.open()
            driver.result.prompt_seconds = time.monotonic() - started
            sampling = False
            for payload in stream.events():
                piece = self.api.read(payload)
                if not sampling:  # the first event: the server has read the prompt
                    sampling = True
                    driver.start_sampling()
                    deadline[0] = driver.hard_deadline  # a line in progress may finish
                    driver.result.prompt_seconds = time.monotonic() - started
                if piece.prompt_tokens:
                    driver.result.prompt_tokens = piece.prompt_tokens
                    driver.result.evaluated_tokens = piece.evaluated_tokens
                    driver.result.reused_tokens = piece.reused_tokens
                if piece.text and (not driver.should_continue() or not driver.feed(piece.text)):
                    return
                if piece.done:
                    driver.end_of_stream()
                    return
            raise StreamError("dropped", "the server closed the stream before the answer was complete")

    # -- status ------------------------------------------------------------------------

    def _failure_message(self, error: StreamError) -> str:
        if error.kind in ("unreachable", "timeout"):
            text = f"{self.endpoint} is not reachable: {error}"
        elif error.kind == "dropped":
            text = f"{self.endpoint} stopped answering: {error}"
        elif error.kind == "http":
            text = f"{self.endpoint} answered with an error: {error}"
        else:
            text = f"{self.endpoint} sent a malformed answer: {error}"
        return self._scrub(text)

    def _report_failure(self, message: str) -> None:
        with self._lock:
            changed = message != self._failing
            self._failing = message
        log.warning("%s", message)
        if changed and self._on_status:
            self._on_status("error", message)

    def _report_success(self) -> None:
        with self._lock:
            was_failing = bool(self._failing)
            self._failing = ""
        if was_failing:
            log.info("%s answers again", self.endpoint)
            if self._on_status:
                self._on_status("ready", self.ready_message())

    def ready_message(self) -> str:
        """The status message while the server answers."""
        text = f"{self.model} on {self.endpoint}"
        return f"{text} (warning: {self.warning})" if self.warning else text

    def _scrub(self, text: str) -> str:
        """``text`` with the API key masked, should a server echo it back."""
        return text.replace(self._api_key, "***") if self._api_key else text
