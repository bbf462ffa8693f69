"""`--output FILE`: the report written to a file, its format chosen by the suffix.

.html  a self-contained page to print and bring to a clinician (render/html.py)
.svg   the terminal report as a picture (Rich's recorder, drawn by render/rich_view.py)
.md    Markdown, for notes and tickets (render/markdown.py)
.txt   the plain-text report (render/text.py)
.json  the `--json` object
.fhir.json  a FHIR R4 Bundle: the QuestionnaireResponse and a GuidanceResponse (fhir/)
Every format but the JSON ones draws the same report (report.build).

Files are written atomically: to a temporary file in the same folder, then renamed over
the target, so a reader never sees half a report and a failure leaves no debris. A report
that is replaced keeps its permissions (a 0600 report stays private). What is refused,
before any question is asked: a name that is only a suffix (`.html`: Python and most tools
see a hidden file with no suffix, so it is refused rather than guessed), a name ending in
`/` (a folder), a symbolic link (replacing it would silently cut the link; give the file
it points to), and the answers file itself (check_output_target). A target that is not a
regular file (/dev/stdout, /dev/fd/N, a terminal, a named pipe) is written directly, with
no temporary file; without a report suffix it gets the text report.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from insertadvisor.errors import FULL, InputError, OutputError, os_reason
from insertadvisor.model import Ruleset

if TYPE_CHECKING:
    from insertadvisor.report import Report
    from insertadvisor.results import Result

SUFFIXES = (".html", ".svg", ".md", ".txt", ".json")
# A double suffix, chosen before the plain .json: the FHIR Bundle rather than the report.
FHIR = ".fhir.json"
# This process's own open files, by name: written through the descriptor already open
# (so `--output /dev/stdout >> log` appends), never replaced.
_OWN_FD = re.compile(r"/dev/std(out|err)|/dev/fd/([0-9]+)|/proc/self/fd/([0-9]+)")


def check_suffix(path: Path) -> str:
    """The format of `path` from its suffix; InputError naming the supported ones.

    Also refuses a target that cannot be written safely (see the module's docstring), so
    that flows.check_output, which calls this before any question, refuses it then.
    """
    name = path.name.lower()
    if name in (*SUFFIXES, ".htm", FHIR):
        raise InputError(f"--output {path}: the name is only a suffix (Python and most tools "
                         "see a hidden file with no suffix); give a name such as "
                         f"report{name}")
    _check_target(path)
    if name.endswith(FHIR):
        return FHIR
    suffix = path.suffix.lower()
    if suffix == ".htm":
        suffix = ".html"
    if suffix not in SUFFIXES:
        if _is_stream(path):
            return ".txt"  # /dev/stdout, a terminal, a pipe: the text report
        shown = f"{path.suffix!r}" if path.suffix else "no suffix"
        raise InputError(f"--output {path}: {shown} is not a report format; end the name with "
                         f"{', '.join((*SUFFIXES, FHIR))}")
    return suffix


def check_output_name(text: str) -> None:
    """Refuse --output text that names a folder (`x.html/`): pathlib drops the slash, so
    this is checked on the text as given."""
    if text.endswith(("/", os.sep)) or (os.altsep and text.endswith(os.altsep)):
        raise InputError(f"--output {text}: ends with {text[-1]}, so it names a folder; give a "
                         f"file name such as {text.rstrip('/' + os.sep).rstrip() or 'report'}"
                         f"{'' if Path(text.rstrip('/' + os.sep)).suffix else '.html'}")


def check_output_target(output: str | os.PathLike[str] | None, answers_file: str | None = None,
                        stdin: IO[Any] | None = None) -> None:
    """Every check of --output that can be made before a question is asked.

    `output` as given (text keeps a trailing slash that a Path drops), `answers_file` the
    --answers value (`-` for stdin, then `stdin` is compared). Refuses what check_suffix
    refuses, and an output that is the answers file itself, by device and inode whatever
    the spelling: the report would replace the answers.
    """
    if output is None:
        return
    text = os.fspath(output)
    if isinstance(text, str):
        check_output_name(text)
    path = Path(text)
    check_suffix(path)
    if answers_file is None or _is_stream(path):
        return
    try:
        target = os.stat(path)
        given = os.fstat(stdin.fileno()) if answers_file == "-" and stdin is not None \
            else None if answers_file == "-" else os.stat(answers_file)
    except (OSError, ValueError, AttributeError):  # no such file yet, or no real stdin
        return
    if given is not None and (target.st_dev, target.st_ino) == (given.st_dev, given.st_ino):
        shown = "stdin" if answers_file == "-" else answers_file
        raise InputError(f"--output {path}: is the answers file (--answers {shown}); the "
                         "report would replace your answers; give another name")


def _check_target(path: Path) -> None:
    """Refuse a symbolic link (unless it names one of our own streams) and a folder."""
    if _own_fd(path) is not None:
        return
    try:
        info = os.lstat(path)
    except OSError:
        return  # nothing there yet (or its folder is missing: the write says so)
    if stat.S_ISLNK(info.st_mode):
        if _is_stream(path):
            return  # a link to a device or a pipe: written through, nothing replaced
        try:
            pointed = f" (to {os.readlink(path)})"
        except OSError:
            pointed = ""
        raise InputError(f"--output {path}: is a symbolic link{pointed}; give the name of "
                         "the file itself, or remove the link")
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"--output {path}: is a folder; give a file name")


def _own_fd(path: Path) -> int | None:
    match = _OWN_FD.fullmatch(str(path))
    if match is None:
        return None
    stream, fd, proc = match.groups()
    return {"out": 1, "err": 2}[stream] if stream else int(fd or proc)


def _is_stream(path: Path) -> bool:
    """Is `path` something to write into directly: our own stream, a device, a pipe?"""
    if _own_fd(path) is not None:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def write_report(path: Path, result: Result, ruleset: Ruleset, explain: bool = False, *,
                 asked: Collection[str] | None = None) -> None:
    """Write the report for `result` to `path`, in the format its suffix names (`asked`:
    the ids an interview asked, see report.answer_entries)."""
    write_atomically(path, formatted(check_suffix(path), result, ruleset, explain,
                                     asked=asked))


def write_atomically(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` through a temporary file and a rename.

    An existing report keeps its permission bits (and, where allowed, its owner); a target
    that is not a regular file is written directly (see the module's docstring); the
    temporary file never outlives a failure.
    """
    _check_target(path)
    if _is_stream(path):
        _write_stream(path, text.encode("utf-8"))
        return
    try:
        old: os.stat_result | None = os.stat(path)
    except OSError:
        old = None
    tmp: str | None = None
    try:
        fd, tmp = _temporary(path)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if old is not None:
            _keep_owner(tmp, old)
            os.chmod(tmp, stat.S_IMODE(old.st_mode))
        else:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise _write_error(path, exc) from None
    finally:  # whatever went wrong (an error, Ctrl-C), the temporary file goes
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _temporary(path: Path) -> tuple[int, str]:
    """A new temporary file beside `path`, hidden and named after it."""
    folder = path.parent
    try:
        return tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except FileNotFoundError:
        raise InputError(f"--output {path}: the folder {folder} does not exist") from None
    except PermissionError:
        raise InputError(f"--output {path}: cannot write in {folder} (permission "
                         "denied)") from None


def _write_error(path: Path, exc: OSError) -> InputError | OutputError:
    """The one-line error for a failed write: a full disk is not the user's input."""
    if isinstance(exc, IsADirectoryError):
        return InputError(f"--output {path}: is a folder; give a file name")
    if exc.errno in FULL:
        return OutputError(f"--output {path}: cannot write it ({os_reason(exc)})")
    return InputError(f"--output {path}: cannot write it ({os_reason(exc)})")


def _keep_owner(tmp: str, old: os.stat_result) -> None:
    """Give the new report the old one's owner and group, where the OS lets us."""
    if (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
        # only root may give a file away: else it stays ours, with the old mode
        with contextlib.suppress(OSError):
            os.chown(tmp, old.st_uid, old.st_gid)


def _write_stream(path: Path, data: bytes) -> None:
    """Write straight into a device, a pipe or one of our own streams (no rename)."""
    import fcntl
    import sys

    own = _own_fd(path)
    try:
        if own is not None:
            python_stream = {1: sys.stdout, 2: sys.stderr}.get(own)
            if python_stream is not None:
                python_stream.flush()  # what was printed before comes first
            _write_all(own, data)
            return
        # not blocking on open: a named pipe with no reader would wait for ever
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY)
        try:
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
            _write_all(fd, data)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise InputError(f"--output {path}: no program is reading this pipe") from None
        if isinstance(exc, BrokenPipeError):
            raise
        raise _write_error(path, exc) from None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- the formats -------------------------------------------------------------------------


def formatted(suffix: str, result: Result, ruleset: Ruleset, explain: bool = False, *,
              asked: Collection[str] | None = None) -> str:
    """The report of `result` in the format of `suffix` (one of SUFFIXES, or FHIR)."""
    if suffix in (".json", FHIR):
        import json

        if suffix == FHIR:
            from insertadvisor.fhir import bundle

            return json.dumps(bundle(ruleset, result), ensure_ascii=False, indent=2) + "\n"
        return json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    from insertadvisor.report import build

    report = build(result, ruleset, explain=explain, answers=True, asked=asked)
    title = ruleset.report.headings[f"title_{result['kind']}"]
    if suffix == ".txt":
        from insertadvisor.render.text import render

        return render(report)
    if suffix == ".md":
        from insertadvisor.render.markdown import to_markdown

        return to_markdown(report, title)
    if suffix == ".html":
        from insertadvisor.render.html import to_html

        return to_html(report, ruleset, title)
    return to_svg(report, ruleset, title)


def to_svg(report: Report, ruleset: Ruleset, title: str, width: int = 80) -> str:
    """The terminal report as an SVG picture, drawn by the same code as the terminal."""
    import io

    from rich.console import Console

    from insertadvisor.render.rich_view import render

    console = Console(file=io.StringIO(), record=True, width=width, color_system="truecolor",
                      force_terminal=True, highlight=False, emoji=False, soft_wrap=False)
    render(console, report, ruleset)
    return console.export_svg(title=title)
