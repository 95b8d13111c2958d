"""The language server object: pygls wiring, and the protocol hardening pygls lacks.

Features live in ``ghost_ls/features/``; each module's ``register(server, session)``
adds its handlers, which work on the :class:`~ghost_ls.session.Session` (the state they
share; each through the view of it that it names, ``session_views.py``) and reach the
editor only through its :class:`~ghost_ls.session.Editor` interface, which
:class:`GhostServer` implements.  The protocol fixes:
- a request whose params fail to deserialize (a negative position, a missing field)
  is answered with JSON-RPC InvalidParams; pygls 2.1 would drop its id and leave the
  editor waiting forever;
- params are read strictly (:mod:`ghost_ls.strict_params`): ``"text": null``, a
  position ``"11"`` or ``11.5``, a ``rootUri`` 42 are invalid params, not ``"None"``, 11
  and ``"42"``;
- the channel's framing survives broken frames and refuses huge ones, and a body that
  is not UTF-8 JSON is answered with ParseError (id null), and serving goes on
  (:mod:`ghost_ls.framing`, :mod:`ghost_ls.stdio_channel`);
- ``exit`` ends the process with 1 unless ``shutdown`` came first (the LSP rule; pygls'
  ``sys.exit`` code was lost and the process ended with 0);
- over TCP the server serves one client; a second connection is refused
  (:mod:`ghost_ls.tcp_channel`);
- a request after ``shutdown`` is answered with InvalidRequest (pygls drops it);
- pygls keeps no copy of the open documents: the context engine's
  :class:`~ghost_ls.context.documents.Document` is the one store of their text.  pygls'
  copy split the whole text again at every ``didChange`` and broke lines where LSP does
  not (form feed, U+2028), so its positions went wrong after them;
- over stdio the channel is read by the event loop, not by a thread job per line
  (:mod:`ghost_ls.stdio_channel`);
- over stdio the JSON-RPC channel moves to private file descriptors, and fd 1 is
  pointed at stderr, fd 0 at /dev/null: llama-cpp-python points fd 1 at /dev/null
  while it loads a model, which silently swallowed every answer written meanwhile,
  and a native library or child process that prints or reads must not touch the
  channel either.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
)
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import to_fs_path

from ghost_ls import __version__
from ghost_ls.features import (
    attention,
    completion,
    inline_completion,
    lifecycle,
    reports,
    status,
    sync,
    workspace_commands,
)
from ghost_ls.session import Session
from ghost_ls.stdio_channel import serve
from ghost_ls.strict_params import strict_converter
from ghost_ls.tcp_channel import serve_tcp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _UndeliverableRequest:
    """A request whose params could not be read; answered with an error."""

    id: int | str
    method: str
    error: JsonRpcException
    jsonrpc: str = "2.0"


class GhostProtocol(LanguageServerProtocol):
    """pygls' LSP protocol, answering malformed requests instead of dropping them."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        if "method" in data and "params" not in data:
            data = {**data, "params": None}  # JSON-RPC allows leaving params out
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if "id" in data and "method" in data:
                return _UndeliverableRequest(data["id"], str(data["method"]), error)
            raise

    def handle_message(self, message: Any) -> None:
        server = self._server
        if isinstance(server, GhostServer) and server.loop is None:
            with contextlib.suppress(RuntimeError):  # messages are handled on the loop
                server.loop = asyncio.get_running_loop()
        method = getattr(message, "method", None)
        request_id = getattr(message, "id", None)
        if self._shutdown and method not in (None, types.EXIT) and request_id is not None:
            refused = JsonRpcInvalidRequest(f"{method}: the server is shutting down")
            self._send_response(request_id, None, refused.to_response_error())
            return
        if isinstance(message, _UndeliverableRequest):
            log.warning("invalid params for %s (id %s)", message.method, message.id)
            error = JsonRpcInvalidParams(f"invalid params for {message.method}")
            self._send_response(message.id, None, error.to_response_error())
            return
        if method is not None and not self._shutdown and message.jsonrpc == self.VERSION:
            # what pygls does with a request or notification, without its isinstance
            # checks against runtime-checkable Protocols (~25 µs a message, two a keystroke)
            params = getattr(message, "params", None)
            if hasattr(message, "id"):
                contextvars.copy_context().run(self._handle_request, message.id, method, params)
            else:
                contextvars.copy_context().run(self._handle_notification, method, params)
            return
        super().handle_message(message)

    # pygls' built-in document sync stores every open document in its workspace; these
    # replacements only pass the notification on to ghost-ls' handlers (features/sync.py)

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        yield from self._to_feature(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        yield from self._to_feature(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        yield from self._to_feature(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def _to_feature(self, method: str, params: Any) -> Any:
        handler = self.fm.features.get(method)
        if handler is not None:
            yield handler, (params,), None


def private_stdio() -> tuple[BinaryIO, BinaryIO]:
    """The JSON-RPC channel on descriptors of its own; fd 0 and 1 no longer carry it.

    Afterwards fd 0 reads /dev/null and fd 1 writes to stderr, so whatever writes to or
    redirects fd 1 (llama-cpp-python's ``suppress_stdout_stderr`` during a model load,
    a native library's printf, a child process) cannot lose or corrupt an answer.
    """
    sys.stdout.flush()
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    return channel_in, channel_out


class GhostServer(LanguageServer):
    """ghost-ls over pygls: the :class:`~ghost_ls.session.Editor` its features talk to."""

    def __init__(self) -> None:
        super().__init__(
            "ghost-ls",
            __version__,
            protocol_cls=GhostProtocol,
            converter_factory=strict_converter,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.loop: asyncio.AbstractEventLoop | None = None
        self.session = Session(self)

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> int:
        """Serve over stdio (with no streams given, on :func:`private_stdio`'s channel);
        the process exit code."""
        if stdin is None and stdout is None:
            stdin, stdout = private_stdio()
        return serve(self, stdin or sys.stdin.buffer, stdout or sys.stdout.buffer)

    def start_tcp(self, host: str, port: int) -> int:  # type: ignore[override]  # an exit code
        """Serve the first client that connects on TCP; the process exit code."""
        return serve_tcp(self, host, port)

    # -- the Editor interface ---------------------------------------------------------

    def call_in_loop(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the event loop thread (pygls' writer is not thread-safe)."""
        if self.loop is None or self.loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed during shutdown
            self.loop.call_soon_threadsafe(callback)

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.call_in_loop(lambda: self.protocol.notify(method, params))

    def show_message(self, text: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        self.call_in_loop(
            lambda: self.window_show_message(types.ShowMessageParams(type=kind, message=f"ghost-ls: {text}"))
        )

    def request_id(self) -> object:
        return self.protocol.msg_id

    def workspace_folders(self) -> list[Path]:
        paths = [to_fs_path(folder.uri) for folder in self.workspace.folders.values()]
        if not paths and self.workspace.root_uri:
            paths = [to_fs_path(self.workspace.root_uri)]
        return [Path(path) for path in paths if path]

    async def begin_progress(self, token: str, title: str, message: str) -> bool:
        capabilities = self.client_capabilities
        window = capabilities.window if capabilities else None
        if not (window and window.work_done_progress):
            return False
        try:
            await asyncio.wait_for(self.work_done_progress.create_async(token), 5)
            self.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, message=message))
        except Exception:  # the client refused or never answered: no progress
            return False
        return True

    def end_progress(self, token: str, message: str) -> None:
        self.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))

    # -- errors -------------------------------------------------------------------------

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log internal errors and keep serving (what cannot be read is answered by the
        channel, :mod:`ghost_ls.stdio_channel`)."""
        log.error("internal error (%s): %s", getattr(source, "__name__", source), error)


def create_server() -> GhostServer:
    """A server with every feature registered."""
    server = GhostServer()
    session = server.session
    # one call each, not a loop over the modules: so the type checker holds the session
    # against the view of it each feature's ``register`` names
    lifecycle.register(server, session)
    sync.register(server, session)
    inline_completion.register(server, session)
    completion.register(server, session)
    workspace_commands.register(server, session)
    reports.register(server, session)
    attention.register(server, session)
    status.register(server, session)
    return server
