"""Files of the user's own (a saved interview, the saved region): read without blocking
on a FIFO or following a planted link, written atomically and privately (0600)."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path


class NotAFile(Exception):
    """A FIFO, a device or a link where a file of the user's was expected."""


def read_regular(path: Path, limit: int = 1 << 20, *, follow: bool = False) -> str:
    """The text of `path` if it is a regular file (a FIFO is not waited on; a link is
    followed only with `follow`); at most `limit` bytes (ValueError beyond)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link
            raise NotAFile from None
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotAFile
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path.name}: longer than {limit} bytes")
    return data.decode("utf-8")


def write_private(path: Path, text: str) -> None:
    """`text` to `path`, readable only by the user (0600), atomically; its folder is made
    (0700) when missing. Raises OSError."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    try:
        # O_EXCL and O_NOFOLLOW: a file or link planted at the temporary name is never
        # written through (the name holds the pid, so a stale one is only a leftover).
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                     | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:  # an error or Ctrl-C: never leave the temporary file behind
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
