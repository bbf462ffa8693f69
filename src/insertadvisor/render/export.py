"""`--output FILE`: the report written to a file, its format chosen by the suffix.

.html  a self-contained page to print and bring to a clinician (inline CSS, no scripts,
       no external resources)
.svg   the terminal report as a picture (Rich's recorder; the only format that loads Rich)
.md    Markdown, for notes and tickets
.txt   the plain-text report (render/text.py)
.json  the `--json` object

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
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import IO, Any

from insertadvisor.errors import FULL, InputError, OutputError, os_reason
from insertadvisor.model import Ruleset

SUFFIXES = (".html", ".svg", ".md", ".txt", ".json")
# This process's own open files, by name: written through the descriptor already open
# (so `--output /dev/stdout >> log` appends), never replaced.
_OWN_FD = re.compile(r"/dev/std(out|err)|/dev/fd/([0-9]+)|/proc/self/fd/([0-9]+)")


def check_suffix(path: Path) -> str:
    """The format of `path` from its suffix; InputError naming the supported ones.

    Also refuses a target that cannot be written safely (see the module's docstring), so
    that flows.check_output, which calls this before any question, refuses it then.
    """
    name = path.name.lower()
    if name in (*SUFFIXES, ".htm"):
        raise InputError(f"--output {path}: the name is only a suffix (Python and most tools "
                         "see a hidden file with no suffix); give a name such as "
                         f"report{name}")
    _check_target(path)
    suffix = path.suffix.lower()
    if suffix == ".htm":
        suffix = ".html"
    if suffix not in SUFFIXES:
        if _is_stream(path):
            return ".txt"  # /dev/stdout, a terminal, a pipe: the text report
        shown = f"{path.suffix!r}" if path.suffix else "no suffix"
        raise InputError(f"--output {path}: {shown} is not a report format; end the name with "
                         f"{', '.join(SUFFIXES)}")
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


def write_report(path: Path, result: dict[str, Any], ruleset: Ruleset,
                 explain: bool = False) -> None:
    """Write the report for `result` to `path`, in the format its suffix names."""
    renderers: dict[str, Callable[[dict[str, Any], Ruleset, bool], str]] = {
        ".html": to_html, ".svg": to_svg, ".md": to_markdown, ".txt": to_text,
        ".json": to_json,
    }
    text = renderers[check_suffix(path)](result, ruleset, explain)
    write_atomically(path, text)


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


def to_json(result: dict[str, Any], ruleset: Ruleset, explain: bool = False) -> str:
    import json

    return json.dumps(result, ensure_ascii=False, indent=2) + "\n"


def to_text(result: dict[str, Any], ruleset: Ruleset, explain: bool = False) -> str:
    from insertadvisor.render.text import render

    return render(result, ruleset, explain=explain)


def to_svg(result: dict[str, Any], ruleset: Ruleset, explain: bool = False,
           width: int = 80, title: str | None = None) -> str:
    """The terminal report as an SVG picture, drawn by the same code as the terminal."""
    import io

    from rich.console import Console

    from insertadvisor.render.rich_view import render

    console = Console(file=io.StringIO(), record=True, width=width, color_system="truecolor",
                      force_terminal=True, highlight=False, emoji=False, soft_wrap=False)
    render(console, result, ruleset, explain=explain)
    command = "assess" if result["kind"] == "assessment" else "checkin"
    return console.export_svg(title=title or f"insertadvisor {command}")


def _title(result: dict[str, Any]) -> str:
    return "Back pain and foot inserts: assessment" if result["kind"] == "assessment" \
        else "Foot inserts: check-in"


def _answer_rows(result: dict[str, Any], ruleset: Ruleset) -> list[tuple[str, list[str]]]:
    """(question, answer) in the questions' order, answers in the person's words."""
    stage = "assess" if result["kind"] == "assessment" else "checkin"
    rows = []
    for question in ruleset.questions[stage]:
        value = result["answers"].get(question.id)
        prompt = question.prompt
        if question.type == "set":
            prompt = f"{question.id.replace('_', ' ').capitalize()} reported"
            prompts = {item.id: item.prompt for item in question.items}
            shown = [_item_words(prompts.get(v, v)) for v in value or []] or ["none"]
        elif value is None:
            shown = ["not known"]
        elif question.type == "choice":
            shown = [question.labels.get(value, str(value))]
        else:
            unit = question.unit[:-1] if value == 1 and question.unit.endswith("s") \
                else question.unit
            shown = [f"{value} {unit}".strip()]
        rows.append((prompt, shown))
    return rows


def _item_words(prompt: str) -> str:
    """A yes/no screening question, shorter: "Do you have X?" -> "X"."""
    text = " ".join(prompt.split()).rstrip("?")
    text = text.removeprefix("Do you have ")
    return text[:1].upper() + text[1:]


def to_markdown(result: dict[str, Any], ruleset: Ruleset, explain: bool = False) -> str:
    from insertadvisor.render.text import explanation, sections

    lines = [f"# {_title(result)}", ""]
    for number, (heading, paragraphs) in enumerate(sections(result, ruleset)):
        lines += [f"{'**' if number == 0 else '## '}{_md(heading)}{'**' if number == 0 else ''}",
                  ""]
        lines += [f"- {_md(p)}" for p in paragraphs]
        if paragraphs:
            lines.append("")
    lines += ["## Your answers", "", "| Question | Answer |", "|---|---|"]
    lines += [f"| {_md(q)} | {_md('; '.join(a))} |" for q, a in _answer_rows(result, ruleset)]
    lines.append("")
    if explain:
        lines += ["## Why (the rules that fired)", ""]
        lines += [f"- {_md(line)}" for line in explanation(result)]
        lines.append("")
    info = result["ruleset"]
    lines += [f"Rule set {_md(info['name'])} {_md(info['version'])} (sha256 "
              f"`{info['sha256'][:12]}`), {date.today().isoformat()}.", "",
              f"*{_md(result['disclaimer'])}*", ""]
    return "\n".join(lines)


def _md(text: str) -> str:
    for char in "\\`*_[]<>|#":
        text = text.replace(char, "\\" + char)
    return text


# --- HTML ----------------------------------------------------------------------------------

_CSS = """
:root { --ink: #1a1a1a; --muted: #555; --line: #d0d0d0; --paper: #fff;
  --emergency: #b00020; --urgent: #c62828; --soon: #8a5a00; --routine: #1f5f8b;
  --self_care: #2e7d32; }
* { box-sizing: border-box; }
html { font-size: 17px; }
body { margin: 0; background: #f3f3f1; color: var(--ink);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    sans-serif; line-height: 1.5; }
main { max-width: 46rem; margin: 2rem auto; padding: 2rem 2.5rem; background: var(--paper);
  border: 1px solid var(--line); border-radius: 6px; }
header { border-bottom: 2px solid var(--ink); padding-bottom: .6rem; margin-bottom: 1.2rem; }
h1 { font-size: 1.5rem; margin: 0 0 .2rem; line-height: 1.25; }
.meta { color: var(--muted); font-size: .85rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; padding-bottom: .15rem;
  border-bottom: 1px solid var(--line); break-after: avoid; page-break-after: avoid; }
p, ul, table { margin: 0 0 .8rem; }
ul { padding-left: 1.3rem; }
li { margin-bottom: .35rem; }
.triage { border: 3px solid currentColor; border-radius: 6px; padding: .8rem 1rem;
  margin-bottom: 1.2rem; break-inside: avoid; page-break-inside: avoid; }
.triage .level { display: block; font-size: .8rem; font-weight: 700; letter-spacing: .08em;
  text-transform: uppercase; }
.triage .message { display: block; font-size: 1.2rem; font-weight: 700; color: var(--ink); }
.stop { font-weight: 700; }
.level-emergency { color: var(--emergency); } .level-urgent { color: var(--urgent); }
.level-soon { color: var(--soon); } .level-routine { color: var(--routine); }
.level-self_care { color: var(--self_care); }
.tag { font-weight: 700; }
table { width: 100%; border-collapse: collapse; font-size: .92rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem;
  border-bottom: 1px solid var(--line); }
th { width: 62%; font-weight: normal; color: var(--muted); }
tr { break-inside: avoid; page-break-inside: avoid; }
.evidence { color: var(--muted); }
.safety li { font-weight: 600; }
td ul.answers { margin: 0; padding-left: 1rem; }
td ul.answers li { margin-bottom: .15rem; }
.triage.level-emergency { background: #fdecee; border-width: 4px; }
.triage.level-urgent { background: #fdf1f0; }
.why li { font-size: .85rem; color: var(--muted); }
.notes { border: 1px dashed var(--line); min-height: 6rem; border-radius: 4px; }
footer { margin-top: 1.6rem; padding-top: .6rem; border-top: 1px solid var(--line);
  font-size: .85rem; color: var(--muted); }
footer .disclaimer { font-style: italic; color: var(--ink); }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: .85em; overflow-wrap: anywhere; }
@media (max-width: 40rem) { main { margin: 0; border: 0; border-radius: 0; padding: 1rem; }
  th { width: 50%; } }
@media print {
  @page { margin: 16mm 15mm; }
  html { font-size: 11pt; }
  body { background: #fff; }
  main { max-width: none; margin: 0; padding: 0; border: 0; }
  .triage { border-width: 2pt; }
  .notes { border: 1pt solid #888; min-height: 30mm; }
  a { color: inherit; text-decoration: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def to_html(result: dict[str, Any], ruleset: Ruleset, explain: bool = False) -> str:
    """A self-contained, printable page: everything a clinician needs on one or two sheets."""
    from html import escape

    from insertadvisor.render.text import explanation, sections

    def ul(items: list[str], cls: str = "") -> str:
        attr = f' class="{cls}"' if cls else ""
        return f"<ul{attr}>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"

    parts = sections(result, ruleset)
    level = ruleset.level(result["triage"])
    info = result["ruleset"]
    today = date.today()
    body: list[str] = [
        f'<div class="triage level-{escape(level.id)}">'
        f'<span class="level">{escape(level.label)}</span>'
        f'<span class="message">{escape(level.message)}</span></div>',
    ]
    for heading, paragraphs in parts[1:]:  # the same sections, in the same order, as text
        items = [escape(p) for p in paragraphs]
        if heading == "Who to see":
            items = [f'<span class="tag level-{escape(r["urgency"])}">'
                     f'{escape(ruleset.level(r["urgency"]).label)}:</span> '
                     f'<strong>{escape(r["to"])}.</strong> {escape(r["reason"])}'
                     for r in result["referrals"]]
        elif heading == "Insert" and items:
            insert = result["insert"]
            body.append(f"<h2>{escape(heading)}</h2><p><strong>{escape(insert['label'])}."
                        f"</strong> {escape(insert['summary'])}</p>")
            if insert["features"]:
                body.append("<p>Look for:</p>" + ul([escape(f) for f in insert["features"]]))
            continue
        elif heading == "What to do" and result.get("stop_wearing") and items:
            items[0] = f'<span class="stop">{items[0]}</span>'
        css = {"What the evidence says": "evidence",
               "When to get help at once": "safety"}.get(heading, "")
        body.append(f"<h2>{escape(heading)}</h2>" + ul(items, css))
    def cell(values: list[str]) -> str:
        if len(values) == 1:
            return escape(values[0])
        return ul([escape(v) for v in values], "answers")

    body.append("<h2>Your answers</h2><table>" + "".join(
        f"<tr><th>{escape(q)}</th><td>{cell(a)}</td></tr>"
        for q, a in _answer_rows(result, ruleset)) + "</table>")
    if explain:
        body.append("<h2>Why: the rules that fired</h2>"
                    + ul([escape(line) for line in explanation(result)], "why"))
    body.append('<h2>Notes from the appointment</h2><div class="notes"></div>')
    title = _title(result)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}, {today.isoformat()}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<header><h1>{escape(title)}</h1>"
        f'<p class="meta">Made on {today.strftime("%d %B %Y").lstrip("0")} by insertadvisor, '
        f"rule set {escape(info['name'])} version {escape(info['version'])}.</p></header>\n"
        + "\n".join(body) + "\n"
        f'<footer><p class="disclaimer">{escape(result["disclaimer"])}</p>'
        f"<p>Rule set {escape(info['name'])} {escape(info['version'])}, sha256 "
        f"<code>{escape(info['sha256'])}</code>. Every recommendation above comes from "
        "these rules; <code>insertadvisor assess --explain</code> shows which rule said what "
        "and its source.</p></footer>\n"
        "</main>\n</body>\n</html>\n"
    )
