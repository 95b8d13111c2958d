"""The JSON-RPC channel: the message loop, and stdio read by the event loop itself.

pygls 2.1 reads stdin with one thread-pool job per header line and one per body
(``pygls.io_.StdinAsyncReader``): a keystroke's ``didChange`` and ``inlineCompletion``
take about eight round trips between that thread and the event loop, each a thread
wake-up, and on a small VM those add up to milliseconds per keystroke
(``bench/server_overhead.py``).  :class:`LoopPipeReader` reads the same pipe through
asyncio's pipe transport (epoll, buffered): no thread, no hop.  A stdin that asyncio
cannot watch (a regular file) is read by a thread.

:func:`run_channel` replaces pygls' ``run_async`` message loop: frames are cut by
:class:`~ghost_ls.framing.FrameReader` (a broken frame costs that frame only, an
over-long one is refused unread), and what cannot be read is answered with a JSON-RPC
error with id null: ParseError for a body that is not UTF-8 JSON, InvalidRequest for
JSON that is no message.  :func:`serve` is pygls' own stdio start (writer, stop event,
shutdown) with that loop; it returns the exit code the ``exit`` notification asked for.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCProtocol

from ghost_ls.framing import FrameError, FrameReader

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
"""The most bytes one read asks for."""

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


class LoopPipeReader:
    """A :class:`~ghost_ls.framing.ByteSource` on a pipe, read on the event loop."""

    def __init__(self, stream: BinaryIO, executor: ThreadPoolExecutor | None) -> None:
        self._stream = stream
        self._executor = executor
        self._reader: asyncio.StreamReader | None = None
        self._threaded = False

    async def _open(self) -> asyncio.StreamReader | None:
        if self._reader is None and not self._threaded:
            loop = asyncio.get_running_loop()
            reader = asyncio.StreamReader(limit=CHUNK)
            try:
                await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), self._stream)
            except (ValueError, OSError) as exc:  # not a pipe, socket or character device
                log.debug("stdin read through a thread: %s", exc)
                self._threaded = True
            else:
                self._reader = reader
        return self._reader

    async def read(self) -> bytes:
        reader = await self._open()
        if reader is not None:
            return await reader.read(CHUNK)
        read = getattr(self._stream, "read1", self._stream.read)
        data: bytes = await asyncio.get_running_loop().run_in_executor(self._executor, read, CHUNK)
        return data


class StreamSource:
    """A :class:`~ghost_ls.framing.ByteSource` on an asyncio stream (a TCP connection)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    async def read(self) -> bytes:
        try:
            return await self._reader.read(CHUNK)
        except ConnectionError:  # the peer reset the connection: it is gone
            return b""


def send_error(protocol: JsonRPCProtocol, code: int, message: str) -> None:
    """Answer what could not be read as a request: a JSON-RPC error with id null."""
    protocol._send_data({"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}})


def _handle_body(protocol: JsonRPCProtocol, frames: FrameReader, body: bytes) -> None:
    try:
        text = body.decode("utf-8")
        message = json.loads(text, object_hook=protocol.structure_message)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        log.warning("a message that is not UTF-8 JSON: %s", error)
        frames.resync(body)
        what = "not UTF-8" if isinstance(error, UnicodeDecodeError) else "not JSON"
        send_error(protocol, PARSE_ERROR, f"parse error: the message is {what}")
        return
    except JsonRpcException as error:  # a notification whose params do not fit its method
        log.warning("ignored a notification with invalid params: %s", error.__cause__ or error)
        return
    if hasattr(message, "jsonrpc"):  # structured by pygls: a message (a dict is not)
        protocol.handle_message(message)
        return
    request_id = message.get("id") if isinstance(message, dict) else None
    if not isinstance(request_id, (int, str)) or isinstance(request_id, bool):
        request_id = None
    log.warning("a body that is no JSON-RPC 2.0 message: %.200s", text)
    protocol._send_data({"jsonrpc": "2.0", "id": request_id, "error": {
        "code": INVALID_REQUEST, "message": "invalid request: not a JSON-RPC 2.0 message"}})


async def run_channel(
    stop_event: threading.Event,
    source: Any,
    protocol: JsonRPCProtocol,
    error_handler: Callable[[Exception, Any], Any],
) -> None:
    """Read messages from ``source`` (a ByteSource) and hand them to ``protocol``."""
    frames = FrameReader(source)
    while not stop_event.is_set():
        frame = await frames.next()
        if frame is None:
            break
        # One turn of the event loop per message, as pygls' thread reader gave: the task
        # an async handler of the previous message started (didChangeConfiguration
        # applying settings) runs its first step before the next message is handled.
        await asyncio.sleep(0)
        if isinstance(frame, FrameError):
            send_error(protocol, frame.code, frame.message)
            continue
        try:
            _handle_body(protocol, frames, frame)
        except Exception as exc:
            log.exception("unable to handle a message")
            error_handler(exc, JsonRpcException)


def serve(server: LanguageServer, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Serve ``server`` over ``stdin``/``stdout`` until the client leaves or exits.

    Returns the process exit code: the one ``exit`` asked for (1 without a
    ``shutdown`` before it), 0 when the client closed the channel.
    """
    stop_event = threading.Event()
    server._stop_event = stop_event  # what pygls' shutdown and exit set
    server.protocol.set_writer(StdoutWriter(stdout))
    code = 0
    try:
        asyncio.run(run_channel(
            stop_event, LoopPipeReader(stdin, server.thread_pool), server.protocol,
            server.report_server_error,
        ))
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except SystemExit as exit_request:
        code = exit_code(exit_request)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]  # pygls leaves it unannotated
    return code


def exit_code(exit_request: SystemExit) -> int:
    """The code of pygls' ``sys.exit`` on ``exit``: 0 after ``shutdown``, else 1."""
    code = exit_request.code
    return code if isinstance(code, int) else (0 if code is None else 1)
