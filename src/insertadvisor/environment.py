"""The terminal around a run: streams, which of them are terminals, and whether to colour.

Commands take an Environment instead of reaching for sys.*, so tests can simulate a
terminal or a pipe (the httpie pattern).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TextIO


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass
class Environment:
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin_isatty: bool | None = None
    stdout_isatty: bool | None = None
    stderr_isatty: bool | None = None
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    def __post_init__(self) -> None:
        if self.stdin_isatty is None:
            self.stdin_isatty = _isatty(self.stdin)
        if self.stdout_isatty is None:
            self.stdout_isatty = _isatty(self.stdout)
        if self.stderr_isatty is None:
            self.stderr_isatty = _isatty(self.stderr)

    @property
    def colour_allowed(self) -> bool:
        """False under NO_COLOR (any non-empty value) or TERM=dumb."""
        return not self.environ.get("NO_COLOR") and self.environ.get("TERM") != "dumb"

    def colour_for(self, isatty: bool | None, no_color: bool = False) -> bool:
        """Colour a stream only when it is a terminal and nothing said otherwise."""
        return bool(isatty) and self.colour_allowed and not no_color

    def columns(self) -> int:
        """The width to wrap prompts to: $COLUMNS, else the terminal's (stderr), else 80."""
        try:
            return max(int(self.environ.get("COLUMNS", "")), 1)
        except ValueError:
            pass
        try:
            return os.get_terminal_size(self.stderr.fileno()).columns
        except (AttributeError, ValueError, OSError):
            return 80

    def can_prompt(self, no_input: bool) -> bool:
        """Prompts appear only when stdin is a terminal and --no-input was not given."""
        return bool(self.stdin_isatty) and not no_input
