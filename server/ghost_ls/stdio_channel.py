"""The JSON-RPC channel over stdio, read by the event loop itself.

pygls 2.1 reads stdin with one thread-pool job per header line and one per body
(``pygls.io_.StdinAsyncReader``): a keystroke's ``didChange`` and ``inlineCompletion``
take about eight round trips between that thread and the event loop, each a thread
wake-up, and on a small VM those add up to milliseconds per keystroke
(``bench/server_overhead.py``).  :class:`LoopPipeReader` reads the same pipe through
asyncio's pipe transport (epoll, buffered): no thread, no hop.  A stdin that asyncio
cannot watch (a regular file) is read the pygls way.

:func:`serve` is pygls' own stdio loop (``LanguageServer._start_io_async``: the same
``run_async`` message loop, writer and shutdown) with that reader.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

from pygls.io_ import StdinAsyncReader, StdoutWriter, run_async
from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

HEADER_LIMIT = 64 * 1024
"""Longest header line read as one; a longer one is passed on in pieces, nothing lost
(they do not parse as a header, so the message loop skips them)."""


class LoopPipeReader:
    """pygls' async reader interface (``readline``, ``readexactly``) on the event loop."""

    def __init__(self, stream: BinaryIO, executor: ThreadPoolExecutor | None) -> None:
        self._stream = stream
        self._executor = executor
        self._reader: asyncio.StreamReader | None = None
        self._fallback: StdinAsyncReader | None = None

    async def _open(self) -> asyncio.StreamReader | None:
        if self._reader is None and self._fallback is None:
            loop = asyncio.get_running_loop()
            reader = asyncio.StreamReader(limit=HEADER_LIMIT)
            try:
                await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), self._stream)
            except (ValueError, OSError) as exc:  # not a pipe, socket or character device
                log.debug("stdin read through a thread: %s", exc)
                self._fallback = StdinAsyncReader(self._stream, self._executor)
            else:
                self._reader = reader
        return self._reader

    async def readline(self) -> bytes:
        # One turn of the event loop per line, as pygls' thread reader gave: the task an
        # async handler of the previous message started (didChangeConfiguration applying
        # settings) runs its first step before the next message is handled.
        await asyncio.sleep(0)
        reader = await self._open()
        if reader is None:
            assert self._fallback is not None
            return await self._fallback.readline()
        try:
            return await reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:  # the client closed the channel
            return exc.partial
        except asyncio.LimitOverrunError:  # a line over HEADER_LIMIT: hand it on in pieces
            return await reader.read(HEADER_LIMIT)

    async def readexactly(self, n: int) -> bytes:
        reader = await self._open()
        if reader is None:
            assert self._fallback is not None
            return await self._fallback.readexactly(n)
        try:
            return await reader.readexactly(n)
        except asyncio.IncompleteReadError as exc:  # the client closed the channel
            return exc.partial


def serve(server: LanguageServer, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Serve ``server`` over ``stdin``/``stdout`` until the client leaves or exits."""
    stop_event = threading.Event()
    server._stop_event = stop_event  # what pygls' shutdown and exit set
    server.protocol.set_writer(StdoutWriter(stdout))
    try:
        asyncio.run(run_async(
            stop_event=stop_event,
            reader=LoopPipeReader(stdin, server.thread_pool),
            protocol=server.protocol,
            logger=log,
            error_handler=server.report_server_error,
        ))
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]  # pygls leaves it unannotated
