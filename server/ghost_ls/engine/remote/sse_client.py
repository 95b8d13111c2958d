"""A small streaming HTTP client: one POST, its answer read as server-sent events.

Standard library only (``socket``, ``ssl``, ``http.client``).  What it adds to
``http.client``:

- a connect that checks ``should_stop`` every ``poll`` seconds (a cancelled request
  does not wait for a slow or black-holed host);
- a watcher thread that, while the request waits for the server or reads its stream,
  checks ``should_stop`` every ``poll`` seconds and shuts the socket down when it says
  so: the blocked read returns at once and the server sees the connection close, which
  is how llama-server and vLLM learn to stop generating;
- a read timeout: no byte for ``read_timeout`` seconds ends the request;
- failures as :class:`StreamError` with a ``kind`` the caller can decide retries on.

``data:`` payloads are yielded one event at a time; comments and other fields are
skipped.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import json
import os
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from ghost_ls.engine.remote.endpoint import Endpoint

POLL_SECONDS = 0.05
"""How often a waiting request checks whether it should stop."""

ERROR_BODY_LIMIT = 600
"""Characters of an error answer's body kept for the message."""


_PENDING = frozenset({errno.EINPROGRESS, errno.EALREADY, errno.EWOULDBLOCK})
"""connect_ex codes of a non-blocking connect still under way."""


class StreamError(Exception):
    """A request that failed; ``kind`` says how.

    - ``unreachable``: no connection (refused, reset, DNS, connect timeout) or the
      connection closed before an answer;
    - ``timeout``: connected, but no byte for ``read_timeout`` seconds;
    - ``http``: an answer other than 200 (``status`` says which);
    - ``dropped``: the connection closed in the middle of the answer;
    - ``protocol``: an answer that is not what the API promises (malformed JSON).
    """

    def __init__(self, kind: str, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status

    @property
    def retryable(self) -> bool:
        """Worth another try when nothing was generated yet: the server may be back."""
        return self.kind == "unreachable" or (self.kind == "http" and self.status >= 500)


class Stopped(Exception):
    """``should_stop`` said so; the connection is closed."""


class _Connection(http.client.HTTPConnection):
    """An HTTP(S) connection whose connect can be interrupted."""

    def __init__(self, endpoint: Endpoint, connect_timeout: float, should_stop: Callable[[], bool]) -> None:
        super().__init__(endpoint.host, endpoint.port, timeout=connect_timeout)
        self.endpoint = endpoint
        self.connect_timeout = connect_timeout
        self.should_stop = should_stop

    def connect(self) -> None:
        raw = _connect(self.endpoint.host, self.endpoint.port, self.connect_timeout, self.should_stop)
        if self.endpoint.scheme == "https":
            raw.settimeout(self.connect_timeout)
            raw = ssl.create_default_context().wrap_socket(raw, server_hostname=self.endpoint.host)
        self.sock = raw


def _connect(host: str, port: int, timeout: float, should_stop: Callable[[], bool]) -> socket.socket:
    """A connected TCP socket; raises Stopped or OSError."""
    deadline = time.monotonic() + timeout
    last_error: OSError = OSError(f"cannot resolve {host}")
    for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            code = sock.connect_ex(address)
            while code in _PENDING:
                if should_stop():
                    raise Stopped
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"connect timed out after {timeout:g} s")
                with selectors.DefaultSelector() as selector:  # no FD_SETSIZE limit, unlike select()
                    selector.register(sock, selectors.EVENT_WRITE)
                    writable = selector.select(min(POLL_SECONDS, remaining))
                if writable:
                    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    break
            if code:
                raise OSError(code, os.strerror(code))  # refused, unreachable, ...: its subclass
            sock.setblocking(True)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except Stopped:
            sock.close()
            raise
        except OSError as error:
            sock.close()
            last_error = error
    raise last_error


class EventStream:
    """One POST and its event stream; use as a context manager, then :meth:`events`."""

    def __init__(
        self,
        endpoint: Endpoint,
        path: str,
        body: dict[str, Any],
        headers: dict[str, str],
        *,
        connect_timeout: float,
        read_timeout: float,
        should_stop: Callable[[], bool],
    ) -> None:
        self.endpoint = endpoint
        self.path = endpoint.path(path)
        self.body = json.dumps(body).encode("utf-8")
        self.headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream",
            "Connection": "close",
            **headers,
        }
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.should_stop = should_stop
        self.stopped = False
        self._done = threading.Event()
        self._connection: _Connection | None = None
        self._response: http.client.HTTPResponse | None = None
        self._watcher: threading.Thread | None = None

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Connect, send the request and read the status line; raises StreamError or Stopped."""
        connection = _Connection(self.endpoint, self.connect_timeout, self.should_stop)
        self._connection = connection
        try:
            connection.connect()
        except Stopped:
            self.stopped = True
            raise
        except OSError as error:
            raise StreamError("unreachable", _describe(error)) from None
        assert connection.sock is not None
        connection.sock.settimeout(self.read_timeout)
        self._watcher = threading.Thread(target=self._watch, name="ghost-ls-http-watch", daemon=True)
        self._watcher.start()
        try:
            connection.request("POST", self.path, body=self.body, headers=self.headers)
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as error:
            self._raise_read_error(error, before_answer=True)
        self._response = response
        if response.status != 200:
            message = f"HTTP {response.status} {response.reason}{self._error_body()}"
            raise StreamError("http", message, status=response.status)

    def events(self) -> Iterator[str]:
        """The ``data`` of each event, until the server closes the stream."""
        if self._response is None:
            self.open()
        assert self._response is not None
        data: list[str] = []
        while True:
            try:
                raw = self._response.readline()
            except (OSError, http.client.HTTPException, ValueError) as error:
                self._raise_read_error(error, before_answer=False)
            if not raw:
                if self.stopped:
                    raise Stopped
                if data:
                    yield "\n".join(data)
                return
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as error:
                raise StreamError("protocol", f"the stream is not UTF-8: {error}") from None
            if not line:
                if data:
                    yield "\n".join(data)
                    data = []
                continue
            if line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
            elif line.startswith("{"):  # an error answer some servers send without framing
                data.append(line)

    def close(self) -> None:
        """Close the connection (the server then stops working on it)."""
        self._done.set()
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.close()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(timeout=1)

    def _watch(self) -> None:
        while not self._done.wait(POLL_SECONDS):
            if self.should_stop():
                self.stopped = True
                connection = self._connection
                sock = connection.sock if connection is not None else None
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                return

    def _raise_read_error(self, error: BaseException, *, before_answer: bool) -> Any:
        if self.stopped:
            raise Stopped from None
        if isinstance(error, TimeoutError):
            raise StreamError("timeout", f"no answer within {self.read_timeout:g} s") from None
        if before_answer:
            raise StreamError("unreachable", _describe(error)) from None
        message = f"the connection closed in the middle of the answer ({_describe(error)})"
        raise StreamError("dropped", message) from None

    def _error_body(self) -> str:
        assert self._response is not None
        try:
            text = self._response.read(ERROR_BODY_LIMIT * 4).decode("utf-8", "replace")
        except (OSError, http.client.HTTPException, ValueError):
            return ""
        text = " ".join(text.split())[:ERROR_BODY_LIMIT]
        return f": {text}" if text else ""


def _describe(error: BaseException) -> str:
    if isinstance(error, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError):
        return str(error) or "timed out"
    if isinstance(error, socket.gaierror):
        return f"cannot resolve the host ({error.strerror})"
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return str(text)
