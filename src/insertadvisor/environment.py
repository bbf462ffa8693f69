"""The world around a run, in one object: its streams and which are terminals, colour, the
screen's width, the environment variables, the places it reads and writes (the rule set,
the cache, the user's configuration and data folders), and how an error line is written.

Commands take an Environment instead of reaching for sys.* or os.environ, so tests can
simulate a terminal, a pipe or another user's folders by passing one (the httpie pattern).
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import sys
from pathlib import Path
from typing import Any, TextIO, cast

ENV_RULES = "INSERTADVISOR_RULES"
ENV_CACHE = "INSERTADVISOR_CACHE_DIR"
ENV_PLAIN = "INSERTADVISOR_PLAIN"
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
        self.plain_asked = False  # --plain was given (commands set it)
        for stream in (self.stdout, self.stderr):
            degrade_unencodable(stream)

    # -- the terminal ---------------------------------------------------------------------

    @property
    def colour_allowed(self) -> bool:
        """False under NO_COLOR (any non-empty value) or TERM=dumb."""
        return not self.environ.get("NO_COLOR") and self.environ.get("TERM") != "dumb"

    @property
    def plain(self) -> bool:
        """Plain output, no boxes and no rules: --plain, $INSERTADVISOR_PLAIN (any value but
        empty or 0), or TERM=dumb (a terminal that cannot draw them)."""
        return (self.plain_asked or self.environ.get(ENV_PLAIN, "") not in ("", "0")
                or self.environ.get("TERM") == "dumb")

    def colour_for(self, isatty: bool | None, no_color: bool = False) -> bool:
        """Colour a stream only when it is a terminal and nothing said otherwise."""
        return bool(isatty) and self.colour_allowed and not no_color

    def columns(self) -> int:
        """The width to wrap to: $COLUMNS, else the terminal's, else 80; never wider than
        the terminal (when it is known) nor than MAX_COLUMNS, so a wrong or huge $COLUMNS
        cannot push the main action off the screen. Below MIN_COLUMNS renderers write
        plain text."""
        try:
            width = int(self.environ.get("COLUMNS", ""))
        except ValueError:
            width = 0
        screen = self._terminal_columns()
        if width <= 0:
            width = screen or 80
        return max(1, min(width, screen or MAX_COLUMNS, MAX_COLUMNS))

    def _terminal_columns(self) -> int:
        """The width of the terminal the output goes to (stdout's, else stderr's), or 0."""
        for stream, isatty in ((self.stdout, self.stdout_isatty),
                               (self.stderr, self.stderr_isatty)):
            if not isatty:
                continue
            try:
                return max(os.get_terminal_size(stream.fileno()).columns, 0)
            except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
                continue
        return 0

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


# --- characters a stream cannot encode ----------------------------------------------------

# What the characters of the reports and prompts become on a stream that cannot encode
# them (PYTHONIOENCODING=ascii, LC_ALL=C without UTF-8 mode, a Latin-1 terminal): ASCII
# that reads the same, so the output degrades instead of failing half-way (after the
# emergency banner, before the referrals). Decided here, once, for every stream the
# Environment holds: every renderer and prompt writes through them.
# (written as escapes: ruff rightly flags look-alike characters in source)
ASCII_FALLBACK = {
    "\u2265": ">=",  # greater-than or equal to
    "\u2264": "<=",  # less-than or equal to
    "\u2260": "!=",  # not equal to
    "\u00b1": "+/-",  # plus-minus sign
    "\u00d7": "x",  # multiplication sign
    "\u00f7": "/",  # division sign
    "\u2192": "->",  # rightwards arrow
    "\u2190": "<-",  # leftwards arrow
    "\u2022": "*",  # bullet
    "\u00b7": "*",  # middle dot
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2212": "-",  # minus sign
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark
    "\u201a": "'",  # single low-9 quotation mark
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',  # double low-9 quotation mark
    "\u00ab": '"',  # left-pointing double angle quotation mark
    "\u00bb": '"',  # right-pointing double angle quotation mark
    "\u2026": "...",  # horizontal ellipsis
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space
    "\u2009": " ",  # thin space
    "\u00bd": "1/2",  # vulgar fraction one half
    "\u00bc": "1/4",  # vulgar fraction one quarter
    "\u2713": "ok",  # check mark
    "\u2717": "x",  # ballot x
    "\u2501": "-",  # box drawings heavy horizontal
    "\u2500": "-",  # box drawings light horizontal
    "\u2502": "|",  # box drawings light vertical
    "\u2503": "|",  # box drawings heavy vertical
    "\u25b8": ">",  # black right-pointing small triangle
    "\u25ba": ">",  # black right-pointing pointer
}
DEGRADE = "insertadvisor-degrade"  # the codec error handler's name


def _degrade_error(exc: UnicodeError) -> tuple[str, int]:
    """A codec error handler: ASCII stand-ins for what the stream cannot encode."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text = exc.object
    return "".join(_stand_in(c, text, exc.end) for c in text[exc.start:exc.end]), exc.end


def _stand_in(char: str, text: str, end: int) -> str:
    if char in ASCII_FALLBACK:
        return ASCII_FALLBACK[char]
    if char == "°":  # 38°C: "38 degrees C"
        return " degrees " if text[end:end + 1] in ("C", "F") else " degrees"
    import unicodedata  # only where a stream cannot encode a character

    # é -> e: the letter without its accent, where it has one
    bare = "".join(c for c in unicodedata.normalize("NFKD", char)
                   if not unicodedata.combining(c))
    return bare if bare and bare.isascii() and bare != char else "?"


codecs.register_error(DEGRADE, _degrade_error)


def encodes(stream: Any, text: str = "\u2265\u2022\u2013\u2019") -> bool:
    """Whether `stream` can write `text` as it is (a stream with no encoding: in memory,
    it can)."""
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str):
        return True
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def holds_unicode(stream: Any) -> bool:
    """Whether `stream` can write any character (UTF-8, or in memory): else JSON is
    written with \\u escapes, which lose nothing, rather than degraded."""
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str):
        return True
    try:
        return codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        return False


def degrade_unencodable(stream: Any) -> None:
    """Make `stream` write ASCII stand-ins (ASCII_FALLBACK) for the characters its encoding
    cannot hold, instead of failing at the first one; streams that can encode them, and
    streams that cannot be reconfigured (in memory), are left as they are."""
    inner = getattr(stream, "wrapped", stream)
    if encodes(inner) or not hasattr(inner, "reconfigure"):
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        inner.reconfigure(errors=DEGRADE)


# --- the streams, whatever state they are in ---------------------------------------------


class _Diagnostics:
    """stderr, such that writing to it cannot fail: when it is full or closed, the
    messages are lost, but never the exit status (rules check's problems, exit 3)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    @property
    def wrapped(self) -> Any:
        return self._stream

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
