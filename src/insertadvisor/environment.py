"""The world around a run, in one object: its streams and which are terminals, colour, the
screen's width, the environment variables, the places it reads and writes (the rule set,
the cache, the user's configuration and data folders), and how an error line is written.

Commands take an Environment instead of reaching for sys.* or os.environ, so tests can
simulate a terminal, a pipe or another user's folders by passing one (the httpie pattern).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from pathlib import Path
from typing import Any, TextIO, cast

ENV_RULES = "INSERTADVISOR_RULES"
ENV_CACHE = "INSERTADVISOR_CACHE_DIR"
MIN_COLUMNS = 40  # below this a report is written as plain text, never in boxes
MAX_COLUMNS = 200


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def packaged_rules_dir() -> Path:
    """The default rule set: inside the installed package, or `rules/` of a checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "rules"
    return installed if installed.is_dir() else here.parent.parent / "rules"


class Environment:
    """Streams not given are the process's own; a stream the process was started without
    (`<&-`, `>&-`) gets a stand-in that fails the way a reader or writer can report, and
    stderr is wrapped so that writing to it never fails (a message may be lost, an exit
    status never)."""

    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None,
                 stderr: TextIO | None = None, *, stdin_isatty: bool | None = None,
                 stdout_isatty: bool | None = None, stderr_isatty: bool | None = None,
                 environ: dict[str, str] | None = None) -> None:
        stdin = sys.stdin if stdin is None else stdin
        stdout = sys.stdout if stdout is None else stdout
        stderr = sys.stderr if stderr is None else stderr
        self.stdin: TextIO = cast(TextIO, _ClosedStdin()) if stdin is None else stdin
        self.stdout: TextIO = cast(TextIO, _ClosedStdout()) if stdout is None else stdout
        self.stderr: TextIO = cast(TextIO, stderr if isinstance(stderr, _Diagnostics)
                                   else _Diagnostics(stderr))
        self.stdin_isatty = _isatty(self.stdin) if stdin_isatty is None else stdin_isatty
        self.stdout_isatty = _isatty(self.stdout) if stdout_isatty is None else stdout_isatty
        self.stderr_isatty = _isatty(self.stderr) if stderr_isatty is None else stderr_isatty
        self.environ = dict(os.environ) if environ is None else environ

    # -- the terminal ---------------------------------------------------------------------

    @property
    def colour_allowed(self) -> bool:
        """False under NO_COLOR (any non-empty value) or TERM=dumb."""
        return not self.environ.get("NO_COLOR") and self.environ.get("TERM") != "dumb"

    def colour_for(self, isatty: bool | None, no_color: bool = False) -> bool:
        """Colour a stream only when it is a terminal and nothing said otherwise."""
        return bool(isatty) and self.colour_allowed and not no_color

    def columns(self) -> int:
        """The width to wrap to: $COLUMNS, else the terminal's (stderr), else 80; at most
        MAX_COLUMNS. Below MIN_COLUMNS renderers write plain text."""
        try:
            width = int(self.environ.get("COLUMNS", ""))
        except ValueError:
            width = 0
        if width <= 0:
            try:
                width = os.get_terminal_size(self.stderr.fileno()).columns
            except (AttributeError, ValueError, OSError):
                width = 0
        return min(width, MAX_COLUMNS) if width > 0 else 80

    def can_prompt(self, no_input: bool) -> bool:
        """Prompts appear only when stdin is a terminal and --no-input was not given."""
        return bool(self.stdin_isatty) and not no_input

    # -- places ---------------------------------------------------------------------------

    def rules_dir(self, option: str | Path | None = None) -> Path:
        """`--rules DIR`, else $INSERTADVISOR_RULES, else the packaged rule set."""
        chosen = option or self.environ.get(ENV_RULES)
        return Path(chosen) if chosen else packaged_rules_dir()

    def _xdg(self, variable: str, fallback: str) -> Path:
        base = self.environ.get(variable) or os.path.join(
            self.environ.get("HOME") or os.path.expanduser("~"), fallback)
        return Path(base) / "insertadvisor"

    @property
    def cache_dir(self) -> Path:
        """Where compiled rule sets are kept: $INSERTADVISOR_CACHE_DIR, else the XDG cache."""
        configured = self.environ.get(ENV_CACHE)
        return Path(configured) if configured else self._xdg("XDG_CACHE_HOME", ".cache")

    @property
    def config_dir(self) -> Path:
        """The user's settings (the region chosen once)."""
        return self._xdg("XDG_CONFIG_HOME", ".config")

    @property
    def data_dir(self) -> Path:
        """The user's data (an interview to resume)."""
        return self._xdg("XDG_DATA_HOME", os.path.join(".local", "share"))

    # -- saying what went wrong ---------------------------------------------------------

    def error(self, message: str) -> None:
        """One line on stderr, `insertadvisor: message`, whatever the message held."""
        self.say(f"insertadvisor: {message}")

    def say(self, text: str) -> None:
        """`text` as one line on stderr (a closed or full stderr loses it, quietly)."""
        self.stderr.write(" ".join(text.split()) + "\n")
        self.stderr.flush()


# --- the streams, whatever state they are in ---------------------------------------------


class _Diagnostics:
    """stderr, such that writing to it cannot fail: when it is full or closed, the
    messages are lost, but never the exit status (rules check's problems, exit 3)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except (OSError, ValueError, AttributeError):
            return len(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            self._stream.flush()

    def isatty(self) -> bool:
        try:
            return bool(self._stream.isatty())
        except (OSError, ValueError, AttributeError):
            return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _ClosedStdin(io.TextIOBase):
    """The stdin of a process started with it closed (`<&-`): reading it fails with an
    OSError, which readers report as an input error naming what they read (exit 2)."""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        raise OSError(errno.EBADF, "stdin is closed")

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        raise OSError(errno.EBADF, "stdin is closed")


class _ClosedStdout(io.TextIOBase):
    """The stdout of a process started with it closed (`>&-`): writing fails with an
    OutputError (exit 1, "cannot write the output: stdout is closed")."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        from insertadvisor.errors import OutputError

        raise OutputError("cannot write the output: stdout is closed")
