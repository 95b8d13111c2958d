"""LSP base-protocol framing: ``Content-Length`` headers and bodies, robust to broken frames.

:class:`FrameReader` cuts a byte stream into message bodies.  What pygls' reader does
not survive, it does:

- a ``Content-Length`` that does not match the body (too large, or counted in
  characters instead of UTF-8 bytes: a client bug seen in the wild) costs that one
  frame.  A body never holds a raw ``Content-Length: N`` line (JSON keeps line breaks
  out of its strings, and a header is no JSON value), so where one shows up in the
  bytes read for a body, or where a body does not parse, the reader goes back to that
  header (:meth:`FrameReader.resync`) and reads on from there; bytes that are no
  header (the tail of a body that was too short) are skipped up to the next
  ``Content-Length:`` line.
- a ``Content-Length`` over :data:`MAX_CONTENT_LENGTH` is refused
  (:class:`FrameError`) and its body is skipped like any bytes that are no header,
  without being kept in memory.

It reads from any :class:`ByteSource` (a pipe, a socket, a file read by a thread).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

MAX_CONTENT_LENGTH = 64 * 1024 * 1024
"""The largest message body accepted, in bytes (64 MiB); a longer one is refused."""

HEADER_LIMIT = 64 * 1024
"""The most bytes of a header section (or of skipped bytes) kept while it is incomplete."""

_KEEP = 256
"""Bytes kept from skipped input: room for a ``Content-Length`` line cut in two reads."""

_HEADER = re.compile(rb"Content-Length[ \t]*:[ \t]*(\d{1,20})[ \t]*\r?\n", re.IGNORECASE)
_HEADER_START = re.compile(rb"Content-Length[ \t]*:", re.IGNORECASE)
_LINE_END = re.compile(rb"\r?\n")
_HEADER_LINES = re.compile(rb"(?:[!-9;-~]+[ \t]*:[^\r\n]*\r?\n|\r?\n)*")


class ByteSource(Protocol):
    """Where the bytes come from."""

    async def read(self) -> bytes:
        """Some bytes as soon as there are any; ``b""`` when the peer closed the channel."""
        ...


@dataclass(frozen=True)
class FrameError:
    """A frame refused by the reader, to be answered with a JSON-RPC error (id null)."""

    code: int
    message: str


class FrameReader:
    """Message bodies from a :class:`ByteSource`, one :meth:`next` at a time."""

    def __init__(self, source: ByteSource, max_length: int = MAX_CONTENT_LENGTH) -> None:
        self._source = source
        self._max_length = max_length
        self._buffer = bytearray()
        self._eof = False
        self._skipped = 0
        self._skipped_sample = b""
        self._skipped_why = ""

    async def _fill(self) -> bool:
        """Read more into the buffer; False at the end of the input."""
        if self._eof:
            return False
        chunk = await self._source.read()
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        return True

    def _skip(self, count: int, why: str) -> None:
        """Drop ``count`` bytes from the buffer; bytes that are no header are logged
        (once per run of them, by :meth:`_report_skipped`)."""
        skipped = bytes(self._buffer[:count])
        del self._buffer[:count]
        if not _HEADER_LINES.fullmatch(skipped):  # not blank, nor other headers (Content-Type)
            if not self._skipped:
                self._skipped_sample = skipped[:80]
            self._skipped += len(skipped)
            self._skipped_why = why

    def _report_skipped(self) -> None:
        if self._skipped:
            log.warning("skipped %d bytes %s: %r...", self._skipped, self._skipped_why, self._skipped_sample)
            self._skipped = 0

    async def next(self) -> bytes | FrameError | None:
        """The next body, a refused frame, or None when the input has ended."""
        frame = await self._next()
        self._report_skipped()
        return frame

    async def _next(self) -> bytes | FrameError | None:
        while True:
            header = _HEADER.search(self._buffer)
            if header is None:
                if len(self._buffer) > HEADER_LIMIT:
                    self._skip(len(self._buffer) - _KEEP, "that are no message header")
                if not await self._fill():
                    self._skip(len(self._buffer), "at the end of the input")
                    return None
                continue
            length = int(header.group(1))  # read before the buffer changes under the match
            self._skip(header.start(), "before a message header")
            body_start = await self._header_end(header.end() - header.start())
            if body_start is None:
                continue  # not a header section after all: look for the next one
            if body_start < 0:
                return None
            if length > self._max_length:
                del self._buffer[:body_start]
                log.warning("refused a message of %d bytes (over %d)", length, self._max_length)
                return FrameError(
                    -32600,
                    f"message refused: its Content-Length {length} is over the limit of "
                    f"{self._max_length} bytes; skipped up to the next Content-Length header",
                )
            return await self._body(body_start, length)

    async def _header_end(self, offset: int) -> int | None:
        """Where the body starts, after the header section's empty line.

        ``offset`` is where the line after the ``Content-Length`` line starts.  None:
        the section is broken (dropped up to that line); -1: the input ended.
        """
        while True:
            position = offset
            while True:
                line_end = _LINE_END.search(self._buffer, position)
                if line_end is None:
                    break
                line = bytes(self._buffer[position:line_end.start()])
                if not line:
                    return line_end.end()
                if b":" not in line or _HEADER_START.match(line):
                    # a line that is no header, or a second Content-Length: this
                    # header section is broken; read on from the line after its first
                    self._skip(offset, "of a broken message header")
                    return None
                position = line_end.end()
            if len(self._buffer) > HEADER_LIMIT:
                self._skip(offset, "of an over-long message header")
                return None
            if not await self._fill():
                self._skip(len(self._buffer), "at the end of the input")
                return -1

    async def _body(self, start: int, length: int) -> bytes | FrameError | None:
        """The body; a :class:`FrameError` when a header inside it showed the frame is
        broken; None when the input ended first."""
        scanned = start
        while len(self._buffer) < start + length:
            # a raw header line among the bytes read for a body: the Content-Length was
            # too large, and the next message started; don't wait for bytes that belong
            # to it, go back to its header
            inner = _HEADER.search(self._buffer, max(start, scanned - _KEEP))
            if inner is not None:
                log.warning("a message shorter than its Content-Length %d: skipped", length)
                del self._buffer[:inner.start()]
                return FrameError(
                    -32700, f"parse error: a message shorter than its Content-Length {length}"
                )
            scanned = len(self._buffer)
            if not await self._fill():
                self._skip(len(self._buffer), "of a message cut short at the end of the input")
                return None
        body = bytes(self._buffer[start:start + length])
        del self._buffer[:start + length]
        return body

    def resync(self, body: bytes) -> None:
        """``body`` did not parse: read on from the first header inside it, if any.

        A ``Content-Length`` too large by a few bytes swallows the start of the next
        message's header; it goes back in front of what is still to be read.
        """
        inner = _HEADER_START.search(body, 1)
        if inner is not None:
            log.warning("a message shorter than its Content-Length: reading on from the header in it")
            self._buffer[:0] = body[inner.start():]
