"""`--output FILE`: the report written to a file, its format chosen by the suffix.

.html  a self-contained page to print and bring to a clinician (render/html.py)
.svg   the terminal report as a picture (Rich's recorder, drawn by render/rich_view.py)
.md    Markdown, for notes and tickets (render/markdown.py)
.txt   the plain-text report (render/text.py)
.json  the `--json` object
Every format but JSON draws the same report (report.build).

Files are written atomically: to a temporary file in the same folder, then renamed over
the target, so a reader never sees half a report and a failure leaves no debris.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from insertadvisor.errors import InputError
from insertadvisor.model import Ruleset

if TYPE_CHECKING:
    from insertadvisor.report import Report
    from insertadvisor.results import Result

SUFFIXES = (".html", ".svg", ".md", ".txt", ".json")


def check_suffix(path: Path) -> str:
    """The format of `path` from its suffix; InputError naming the supported ones."""
    suffix = path.suffix.lower()
    if suffix == ".htm":
        suffix = ".html"
    if suffix not in SUFFIXES:
        shown = f"{path.suffix!r}" if path.suffix else "no suffix"
        raise InputError(f"--output {path}: {shown} is not a report format; end the name with "
                         f"{', '.join(SUFFIXES)}")
    return suffix


def write_report(path: Path, result: Result, ruleset: Ruleset, explain: bool = False) -> None:
    """Write the report for `result` to `path`, in the format its suffix names."""
    write_atomically(path, formatted(check_suffix(path), result, ruleset, explain))


def write_atomically(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` through a temporary file and a rename."""
    folder = path.parent
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except FileNotFoundError:
        raise InputError(f"--output {path}: the folder {folder} does not exist") from None
    except PermissionError:
        raise InputError(f"--output {path}: cannot write in {folder} (permission "
                         "denied)") from None
    except OSError as exc:
        raise InputError(f"--output {path}: cannot write it ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, IsADirectoryError):
            raise InputError(f"--output {path}: is a folder; give a file name") from None
        if isinstance(exc, OSError):
            raise InputError(f"--output {path}: cannot write it ({exc.strerror})") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- the formats -------------------------------------------------------------------------


def formatted(suffix: str, result: Result, ruleset: Ruleset, explain: bool = False) -> str:
    """The report of `result` in the format of `suffix` (one of SUFFIXES)."""
    if suffix == ".json":
        import json

        return json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    from insertadvisor.report import build

    report = build(result, ruleset, explain=explain, answers=True)
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
