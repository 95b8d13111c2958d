"""``ghost-ls serve --tcp``: the debugging transport, one client per server process.

pygls' ``start_tcp`` hands every connection the same protocol object: a second client
that connects, without initializing, is answered with the first one's session (its
documents, its prompts through ``ghost/status``) and takes over the writer, so the
first client gets no answer after that.  Here the server belongs to the first client
that connects; a connection made while it is connected is sent one
``window/showMessage`` (Error) saying so and closed, unread.  When the client leaves
(or sends ``exit``), the server process ends, as over stdio: the next debugging
session starts a new ``ghost-ls serve --tcp``, with a fresh state.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading

from pygls.lsp.server import LanguageServer

from ghost_ls.stdio_channel import StreamSource, exit_code, run_channel

log = logging.getLogger(__name__)

BUSY_MESSAGE = (
    "ghost-ls: this server already serves a client (one connection per server); "
    "start another `ghost-ls serve --tcp HOST:PORT` for a second editor"
)


def _refuse(writer: asyncio.StreamWriter) -> None:
    body = json.dumps({
        "jsonrpc": "2.0",
        "method": "window/showMessage",
        "params": {"type": 1, "message": BUSY_MESSAGE},
    }).encode()
    writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    writer.close()


def serve_tcp(server: LanguageServer, host: str, port: int) -> int:
    """Serve the first client that connects to ``host:port``; the exit code, as :func:`serve`."""
    stop_event = threading.Event()
    server._stop_event = stop_event  # what pygls' shutdown and exit set

    async def main() -> int:
        served: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        connected = False

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal connected
            peer = writer.get_extra_info("peername")
            if connected:
                log.warning("refused a second connection (from %s): one client per server", peer)
                _refuse(writer)
                return
            connected = True
            log.info("client connected from %s", peer)
            server.protocol.set_writer(writer)
            code = 0
            try:
                await run_channel(
                    stop_event, StreamSource(reader), server.protocol, server.report_server_error
                )
            except SystemExit as exit_request:  # pygls' ``exit``: end the server, not this task
                code = exit_code(exit_request)
            finally:
                log.info("client %s left", peer)
                with contextlib.suppress(ConnectionError):
                    writer.close()
                if not served.done():
                    served.set_result(code)

        listener = await asyncio.start_server(connection, host, port)
        log.warning("listening on %s", ", ".join(str(s.getsockname()) for s in listener.sockets))
        async with listener:
            return await served

    code = 0
    try:
        code = asyncio.run(main())
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]  # pygls leaves it unannotated
    return code
