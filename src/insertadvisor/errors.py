"""Exit statuses and the errors the core raises; the CLI turns each into one line."""

from __future__ import annotations

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


def did_you_mean(word: str, known: object) -> str:
    """A suggestion suffix like ` (did you mean `flat`?)`, or "" when nothing is close."""
    import difflib  # only on the error path

    names = [str(k) for k in known]  # type: ignore[attr-defined]
    close = difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""
