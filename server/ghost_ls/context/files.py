"""Bounded reads of workspace files: regular files only, a size cap, nothing that can block.

Workspace content is not trusted.  A ``.gitignore`` may be a FIFO (an ``open`` waits
for a writer forever), a symlink to ``/dev/zero`` (a read never ends) or a device.
Every read here checks the file type and size with ``stat`` before opening, opens with
``O_NONBLOCK`` (a FIFO that appears between the check and the open cannot block
either), checks again with ``fstat`` on the open descriptor, and reads at most the cap.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_ABSENT = (errno.ENOENT, errno.ENOTDIR)
_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
          | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))


class Refused(Exception):
    """The file exists but is not read: not a regular file, too big, or unreadable."""


def read_bounded(path: Path | str, limit: int, *, follow_symlinks: bool = False) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes; None when there is no such file.

    Raises :class:`Refused` for anything else that exists: a FIFO, socket or device, a
    file over the cap, a symlink when ``follow_symlinks`` is false, a permission error.
    """
    try:
        info = os.stat(path, follow_symlinks=follow_symlinks)
    except OSError as error:
        if error.errno in _ABSENT:
            return None
        raise Refused(str(error)) from error
    except ValueError as error:  # a NUL in the path
        raise Refused(str(error)) from error
    _check(info, limit)
    flags = _FLAGS if follow_symlinks else _FLAGS | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno in _ABSENT:
            return None
        raise Refused(str(error)) from error
    try:
        _check(os.fstat(fd), limit)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as error:  # EAGAIN included
        raise Refused(str(error)) from error
    finally:
        os.close(fd)
    if total > limit:
        raise Refused(f"{path}: grew past {limit} bytes")
    return b"".join(chunks)


def _check(info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise Refused("not a regular file")
    if info.st_size > limit:
        raise Refused(f"{info.st_size} bytes, over {limit}")
