"""Exit statuses and the errors the core raises; the CLI turns each into one line."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum


class ExitStatus(IntEnum):
    """The exit codes: a contract with scripts (README.md, docs/cli.md)."""

    OK = 0
    INTERNAL_ERROR = 1
    BAD_INPUT = 2
    INVALID_RULES = 3
    INTERRUPTED = 130


class InsertAdvisorError(Exception):
    """Base of every error the project raises on purpose."""

    exit_status = ExitStatus.INTERNAL_ERROR


class InputError(InsertAdvisorError):
    """Bad input from the person or script: a flag, an answers file, a batch record."""

    exit_status = ExitStatus.BAD_INPUT


class OutputError(InsertAdvisorError):
    """The result could not be written (a full disk, a closed stdout): not bad input, and
    not a bug either, so the message says what happened and nothing about reporting it."""

    exit_status = ExitStatus.INTERNAL_ERROR


def os_reason(exc: OSError) -> str:
    """The OS's reason in the words of a message: "no space left on device"."""
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    reason = exc.strerror or type(exc).__name__
    return reason[:1].lower() + reason[1:]


# errno values that say the output's device is full: whatever was being written, the fix
# is the same, and it is never a bug.
FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG})


def one_line(text: str) -> str:
    """`text` with every character that could split or disguise a line of output (a
    newline, a control, format or bidi character, a line separator, a lone surrogate)
    shown escaped, as repr() shows it: a `file:line:column: message` stays one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class Problem:
    """One problem in a rule set, located as `file:line:column`."""

    __slots__ = ("column", "file", "line", "message")

    def __init__(self, file: str, line: int, column: int, message: str) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.message = message

    def __repr__(self) -> str:
        return f"Problem({self.file!r}, {self.line}, {self.column}, {self.message!r})"

    def __eq__(self, other: object) -> bool:  # problems are compared in tests and deduped
        return isinstance(other, Problem) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class RulesetError(InsertAdvisorError):
    """The rule set is invalid; carries every problem found, not only the first."""

    exit_status = ExitStatus.INVALID_RULES

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@contextmanager
def reading(label: str) -> Iterator[None]:
    """Turn the OS's reasons a file cannot be read into one InputError line naming it."""
    try:
        yield
    except FileNotFoundError:
        raise InputError(f"{label}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{label}: is a folder; give a file") from None
    except PermissionError:
        raise InputError(f"{label}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read it ({exc.strerror})") from None


SHOWN_SUGGESTIONS = 5  # at most this many names in one suggestion: it stays one line


def did_you_mean(word: str, known: object) -> str:
    """A suggestion suffix like ` (did you mean `flat`?)`, or "" when nothing is close.

    Besides names spelt nearly alike, the names that hold the word: every one with it
    inside (`numbness`: each id containing it), and every one with all its words, spaces
    and hyphens read as `_` (`weight loss`: `unexplained_weight_loss`).
    """
    names = [str(k) for k in known]  # type: ignore[attr-defined]
    found = _containing(str(word), names)
    if not found:
        import difflib  # only on the error path

        found = difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    if not found:
        return ""
    shown = [f"`{name}`" for name in found[:SHOWN_SUGGESTIONS]]
    if len(found) > SHOWN_SUGGESTIONS:
        shown.append(f"{len(found) - SHOWN_SUGGESTIONS} more")
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    return f" (did you mean {listed}?)"


def _containing(word: str, names: list[str]) -> list[str]:
    """The names holding `word` (3 letters or more) or all of its words, in their order."""
    import re

    wanted = [w for w in re.split(r"[^0-9a-z]+", word.lower()) if w]
    joined = "_".join(wanted)
    if len(joined) < 3 or joined in names:  # too short to mean anything; or a name itself
        return []
    out = []
    for name in names:
        lower = name.lower()
        parts = re.split(r"[^0-9a-z]+", lower)
        if joined in lower or joined.replace("_", "-") in lower or (
                len(wanted) > 1 and all(any(p.startswith(w) for p in parts)
                                        for w in wanted if len(w) >= 3)):
            out.append(name)
    return out


def wide_encoding(sample: bytes) -> str | None:
    """"UTF-16", "UTF-16LE", "UTF-32"...: the encoding `sample` (a file's first bytes) is in,
    when it is one of those instead of UTF-8; else None.

    A byte-order mark says so (PowerShell's `>` writes UTF-16 with one); without one, text
    that is mostly ASCII has NUL bytes in every other place (UTF-16) or in three of four
    (UTF-32), and UTF-8 text has none.
    """
    if sample.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    quads = len(sample) // 4
    if quads < 2:
        return None
    nul = [sample[i:quads * 4:4].count(0) / quads for i in range(4)]  # share by place
    if min(nul[1:]) >= 0.75 and nul[0] <= 0.25:
        return "UTF-32LE"
    if min(nul[:3]) >= 0.75 and nul[3] <= 0.25:
        return "UTF-32BE"
    even, odd = (nul[0] + nul[2]) / 2, (nul[1] + nul[3]) / 2
    if odd >= 0.5 and even <= 0.125:
        return "UTF-16LE"
    if even >= 0.5 and odd <= 0.125:
        return "UTF-16BE"
    return None


def not_utf8(label: str, encoding: str, name: str = "FILE") -> InputError:
    """The one-line refusal of a UTF-16 or UTF-32 input, with how to convert it."""
    import shlex

    name = shlex.quote(name)
    return InputError(f"{label}: is {encoding} text, not UTF-8 (PowerShell's `>` writes "
                      f"UTF-16); convert it first: `iconv -f {encoding} -t UTF-8 {name} > "
                      "converted`, or in PowerShell `Get-Content "
                      f"{name} | Set-Content -Encoding utf8 converted`")


# A command whose result is a failure (`rules check` that found problems) records its exit
# status here before it writes its output, so the status survives an output pipe that
# closes early (`| head`), which otherwise ends the run quietly with 0.
_failure: list[int] = []


def note_failure(status: int) -> None:
    """Record that this run has failed with `status`, whatever happens to its output."""
    _failure[:] = [status]


def noted_failure() -> int | None:
    """The status recorded by note_failure in this run, if any."""
    return _failure[0] if _failure else None


def clear_failure() -> None:
    """Forget any recorded failure: a new run starts (cli.run calls it)."""
    _failure.clear()
