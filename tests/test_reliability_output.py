"""--output never loses or silently replaces anything (reliability issue, item 6).

The answers file is never overwritten by the report; a replaced report keeps its mode; a
symbolic link is refused, not replaced; `x.html/` names a folder; `.html` is only a
suffix (refused: Python and most tools see a hidden file with no suffix); /dev/stdout and
other non-regular targets are written directly; and the temporary file never outlives a
failure. Each with its examples and a table or property test over the class.
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insertadvisor.errors import InputError, OutputError
from insertadvisor.loading import load_ruleset, packaged_rules_dir
from insertadvisor.render import export
from insertadvisor.render.export import SUFFIXES, check_output_target, check_suffix

from .conftest import CORE_FLAGS, installed_command, run_cli

RULESET = load_ruleset(packaged_rules_dir())
ANSWERS = '{"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": 0, "pain_weeks": 3}'
OLD = "<html>the previous report</html>\n"
PROPERTY = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


def _assess(*args: str) -> Any:
    return run_cli(["assess", "--no-input", *CORE_FLAGS, *args])


def _one_error(result: Any, status: int, *fragments: str) -> str:
    assert result.status == status, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return str(lines[0])


def _debris(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- the answers file ---------------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["{p}", "./me.json", "{tmp}/../{name}/me.json",
                                      "{hard}"])
def test_the_answers_file_is_never_the_output(tmp_path: Path, spelling: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """By device and inode, whatever the spelling (a hard link, `..`, relative)."""
    answers = tmp_path / "me.json"
    answers.write_text(ANSWERS)
    os.link(answers, tmp_path / "hard.json")
    monkeypatch.chdir(tmp_path)
    output = spelling.format(p=answers, tmp=tmp_path, name=tmp_path.name,
                             hard=tmp_path / "hard.json")
    with pytest.raises(InputError, match=re.escape("is the answers file (--answers me.json); "
                                                   "the report would replace your answers")):
        check_output_target(output, "me.json")
    with answers.open("rb") as stdin, pytest.raises(InputError, match="--answers stdin"):
        check_output_target(output, "-", stdin)  # `--answers - < me.json`
    assert answers.read_text() == ANSWERS


def test_other_files_and_new_names_are_fine(tmp_path: Path) -> None:
    answers = tmp_path / "me.json"
    answers.write_text(ANSWERS)
    (tmp_path / "old.json").write_text("{}")
    for output in ("new.json", str(tmp_path / "old.json"), "/dev/stdout"):
        check_output_target(output, str(answers))
    check_output_target(str(tmp_path / "x.json"), "-", io.StringIO())  # no real stdin
    check_output_target(None, str(answers))


def test_through_the_cli_the_answers_file_is_never_overwritten(tmp_path: Path) -> None:
    answers = tmp_path / "me.json"
    answers.write_text(ANSWERS)
    result = run_cli(["assess", "--answers", str(answers), "--json", "--output",
                      str(answers)])
    assert answers.read_text() == ANSWERS
    _one_error(result, 2, "is the answers file")


# --- permissions ----------------------------------------------------------------------------

@PROPERTY
@given(st.integers(0o400, 0o777).filter(lambda m: m & 0o200))
def test_a_replaced_report_keeps_its_mode(tmp_path_factory: pytest.TempPathFactory,
                                          mode: int) -> None:
    folder = tmp_path_factory.mktemp("mode")
    target = folder / "r.txt"
    target.write_text(OLD)
    target.chmod(mode)
    export.write_atomically(target, "new\n")
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert target.read_text() == "new\n" and _debris(folder) == []


def test_a_private_report_stays_private_through_the_cli(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text(OLD)
    target.chmod(0o600)
    assert _assess("--output", str(target)).status == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_text() != OLD


# --- symbolic links -------------------------------------------------------------------------

@pytest.mark.parametrize("to", ["real.html", "missing.html", "folder", "../elsewhere.html"])
def test_a_symbolic_link_is_refused_not_replaced(tmp_path: Path, to: str) -> None:
    (tmp_path / "real.html").write_text(OLD)
    (tmp_path / "folder").mkdir()
    link = tmp_path / "link.html"
    link.symlink_to(to)
    _one_error(_assess("--output", str(link)), 2, f"--output {link}: is a symbolic link "
                                                  f"(to {to}); give the name of the file")
    assert link.is_symlink() and os.readlink(link) == to
    assert (tmp_path / "real.html").read_text() == OLD
    with pytest.raises(InputError, match="is a symbolic link"):  # and at write time too
        export.write_atomically(link, "new")
    assert _debris(tmp_path) == []


def test_a_link_to_a_device_is_written_through(tmp_path: Path) -> None:
    link = tmp_path / "sink.txt"
    link.symlink_to("/dev/null")
    assert _assess("--output", str(link)).status == 0
    assert link.is_symlink()


# --- names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["x.html/", "x.html//", "sub/x.md/", "x/"])
def test_a_trailing_slash_names_a_folder(tmp_path: Path, name: str) -> None:
    value = f"{tmp_path}/{name}"
    with pytest.raises(InputError, match=f"--output {re.escape(value)}: ends with /, so it "
                                         "names a folder; give a file name such as"):
        check_output_target(value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["x.html/", "x.html//", "sub/x.md/", "x/"])
@pytest.mark.parametrize("form", ["separate", "equals"])
def test_a_trailing_slash_is_refused_by_the_cli(tmp_path: Path, name: str, form: str) -> None:
    """Typer hands the command a Path, which has lost the slash: the CLI checks the text."""
    (tmp_path / "sub").mkdir()
    value = f"{tmp_path}/{name}"
    args = ["--output", value] if form == "separate" else [f"--output={value}"]
    _one_error(_assess(*args), 2, f"--output {value}: ends with /, so it names a folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]
    assert list((tmp_path / "sub").iterdir()) == []


@pytest.mark.parametrize("name", [*SUFFIXES, ".htm", ".HTML", "sub/.md"])
def test_a_name_that_is_only_a_suffix_is_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "sub").mkdir()
    _one_error(_assess("--output", str(tmp_path / name)), 2,
               "the name is only a suffix (Python and most tools see a hidden file with no "
               "suffix); give a name such as report")
    assert _debris(tmp_path) == []


@PROPERTY
@given(st.text(alphabet="abc.-_ ", max_size=6),
       st.sampled_from([*SUFFIXES, ".htm", ".HTML", ".Json", ".pdf", ".", ""]))
def test_any_name_has_its_suffix_s_format_or_is_refused(stem: str, suffix: str) -> None:
    """The specification: accepted exactly when Python sees a report suffix and the name is
    more than that suffix; then the format is that suffix (.htm is .html)."""
    name = stem + suffix
    path = Path("/nonexistent-folder") / name
    if not name or name in (".", "..") or "/" in name:
        return
    expected = {".htm": ".html"}.get(path.suffix.lower(), path.suffix.lower())
    accepted = path.suffix.lower() in (*SUFFIXES, ".htm") and \
        name.lower() not in (*SUFFIXES, ".htm")
    try:
        got = check_suffix(path)
    except InputError as exc:
        assert not accepted, (name, str(exc))
        assert "\n" not in str(exc)
    else:
        assert accepted and got == expected, name


# --- targets that are not files ---------------------------------------------------------------

def _run(args: list[str], shell_tail: str = "") -> subprocess.CompletedProcess[str]:
    command = " ".join([*installed_command(), "assess", "--no-input", *CORE_FLAGS, *args])
    return subprocess.run(["/bin/sh", "-c", command + shell_tail], capture_output=True,
                          text=True, timeout=60, check=False)


def test_output_to_dev_stdout_writes_the_report_to_stdout() -> None:
    done = _run(["--json", "--output", "/dev/stdout"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("SELF-CARE:")  # the text report: no suffix on /dev/stdout
    assert '"schema_version": "1"' in done.stdout  # then --json, as always


def test_dev_stdout_appends_when_stdout_is_appended(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text("kept\n")
    done = _run(["--json", "--output", "/dev/stdout"], f" >> '{log}'")
    assert done.returncode == 0, done.stderr
    text = log.read_text()
    assert text.startswith("kept\nSELF-CARE:") and text.rstrip().endswith("}")


@pytest.mark.parametrize(("target", "status", "message"), [
    ("/dev/null", 0, None),
    ("/dev/fd/2", 0, None),
    ("/dev/full", 1, "--output /dev/full: cannot write it (no space left on device)"),
])
def test_devices_are_written_directly(target: str, status: int, message: str | None) -> None:
    done = _run(["--output", target])
    assert done.returncode == status, done.stderr
    if message is not None:
        assert done.stderr.splitlines() == [f"insertadvisor: error: {message}"]


def test_a_named_pipe_without_a_reader_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    done = _run(["--output", str(fifo)])
    assert done.returncode == 2
    assert "no program is reading this pipe" in done.stderr


def test_a_named_pipe_with_a_reader_gets_the_report(tmp_path: Path) -> None:
    fifo = tmp_path / "report.md"
    os.mkfifo(fifo)
    got: list[str] = []

    def read() -> None:  # as `cat report.md` does: open (waits for a writer), read to EOF
        with fifo.open() as handle:
            got.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(0.2)  # the reader is waiting in open()
    done = _run(["--output", str(fifo)])
    reader.join(30)
    assert done.returncode == 0, done.stderr
    assert got and got[0].startswith("# Back pain and foot inserts")  # Markdown, by suffix
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


# --- the temporary file ---------------------------------------------------------------------

class _Boom(Exception):
    pass


STEPS = ["mkstemp", "write", "fsync", "chmod", "replace"]
FAILURES = [OSError(errno.ENOSPC, "No space left on device"),
            OSError(errno.EIO, "Input/output error"), PermissionError(13, "Permission denied"),
            KeyboardInterrupt(), _Boom("a bug")]


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: type(f).__name__ + str(
    getattr(f, "errno", "") or ""))
@pytest.mark.parametrize("existing", [True, False])
def test_no_failure_at_any_step_leaves_a_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, failure: BaseException,
        existing: bool) -> None:
    """Every step of the write, every kind of failure: the old report (or none) and no
    debris, and an error the CLI turns into one line (or the failure itself)."""
    target = tmp_path / "r.html"
    if existing:
        target.write_text(OLD)

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise failure

    if step == "mkstemp":
        monkeypatch.setattr(tempfile, "mkstemp", fail)
    elif step == "write":
        real_fdopen = os.fdopen

        class Failing(io.TextIOWrapper):
            def write(self, text: str) -> int:
                raise failure

        def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
            return Failing(real_fdopen(fd, "wb"), encoding="utf-8")
        monkeypatch.setattr(os, "fdopen", fdopen)
    else:
        monkeypatch.setattr(os, step, fail)
    expected: Any = type(failure) if not isinstance(failure, OSError) else \
        (OutputError if failure.errno == errno.ENOSPC else InputError)
    with pytest.raises(expected):
        export.write_atomically(target, "the new report\n")
    monkeypatch.undo()
    assert _debris(tmp_path) == []
    assert (target.read_text() == OLD) if existing else not target.exists()
