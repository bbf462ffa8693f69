"""Plain output (issue 11 item 4) and output that survives any terminal (issue 13).

Plain: `--plain`, INSERTADVISOR_PLAIN=1 and TERM=dumb draw no boxes or rules, headings as
words, one blank line between sections, and the main action again as the last line.

Any terminal: the width is clamped ($COLUMNS of 0, 3 or a million on a real terminal all
give a readable main action, exit 0), and a stream that cannot encode a character
(PYTHONIOENCODING=ascii, LC_ALL=C without UTF-8 mode) gets ASCII stand-ins instead of a
crash after the emergency banner; JSON on such a stream uses \\u escapes and loses nothing.
Runs on the frozen v1 rules: these are mechanics.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from insertadvisor.environment import MAX_COLUMNS, Environment, holds_unicode
from insertadvisor.model import Ruleset

from .conftest import CORE_FLAGS, V1, installed_command, run_cli

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BOXES = re.compile("[\u2500-\u257f]")  # box drawing: Rich's panels and rules


@pytest.fixture(autouse=True)
def _frozen_rules(on_v1: Ruleset) -> None:
    """Mechanics: on the frozen v1 rules."""


def _top_symptom(ruleset: Ruleset) -> str:
    """A symptom that alone gives the most urgent level (the report with a banner)."""
    from insertadvisor.answers import complete, parse_mapping
    from insertadvisor.assessment import assess

    questions = ruleset.questions["assess"]
    symptoms = next(q for q in questions if q.id == "symptoms")
    raw: dict[str, Any] = {"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": None,
                           "pain_weeks": 3}
    for item in symptoms.items:
        answers = complete(questions, parse_mapping(questions, {**raw, "symptoms": [item.id]},
                                                    "test"))
        if assess(ruleset, answers)["triage"] == ruleset.levels[0].id:
            return item.id
    raise AssertionError("no symptom gives the top level")


def _flags(ruleset: Ruleset) -> list[str]:
    return [*CORE_FLAGS, "--symptom", _top_symptom(ruleset), "--no-input"]


def _main_action(flags: list[str], ruleset: Ruleset, rules: dict[str, str] | None = None) -> str:
    result = json.loads(run_cli(["assess", *flags, "--json"], environ=rules).stdout)
    return f"{ruleset.level(result['triage']).label.upper()}: {result['triage_message']}"


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


# --- plain output ----------------------------------------------------------------------


def test_plain_is_the_flag_the_variable_or_a_dumb_terminal() -> None:
    def plain(environ: dict[str, str], asked: bool = False) -> bool:
        env = Environment(io.StringIO(), io.StringIO(), io.StringIO(), environ=environ)
        env.plain_asked = asked
        return env.plain

    assert not plain({"TERM": "xterm"})
    assert plain({"TERM": "xterm"}, asked=True)
    assert plain({"TERM": "xterm", "INSERTADVISOR_PLAIN": "1"})
    assert not plain({"TERM": "xterm", "INSERTADVISOR_PLAIN": "0"})
    assert not plain({"TERM": "xterm", "INSERTADVISOR_PLAIN": ""})
    assert plain({"TERM": "dumb"})


@pytest.mark.parametrize(("extra", "environ"), [
    (["--plain"], {"TERM": "xterm"}),
    ([], {"TERM": "xterm", "INSERTADVISOR_PLAIN": "1"}),
    ([], {"TERM": "dumb"}),
], ids=["--plain", "INSERTADVISOR_PLAIN=1", "TERM=dumb"])
def test_plain_output_on_a_terminal(ruleset: Ruleset, extra: list[str],
                                    environ: dict[str, str]) -> None:
    flags = _flags(ruleset)
    result = run_cli(["assess", *flags, *extra], stdout_tty=True,
                     environ={**environ, "COLUMNS": "100"})
    assert result.status == 0, result.stderr
    assert not BOXES.search(result.stdout) and not ANSI.search(result.stdout)
    main = _main_action(flags, ruleset)
    paragraphs = _paragraphs(result.stdout)
    assert paragraphs[0].startswith(main)
    assert paragraphs[-1] == main  # the main action, again, last
    assert "\n\n\n" not in result.stdout  # one blank line between sections
    headings = set(ruleset.report.headings.values())
    assert any(p.split(" - ")[0].strip() in headings for p in paragraphs)  # as words


def test_checkin_takes_plain_too(ruleset: Ruleset) -> None:
    effect = next(q for q in ruleset.questions["checkin"] if q.flag == "--effect").items[0].id
    result = run_cli(["checkin", "--weeks-wearing", "2", "--effect", effect, "--plain"],
                     stdout_tty=True, environ={"TERM": "xterm", "COLUMNS": "100"})
    assert result.status == 0, result.stderr
    assert not BOXES.search(result.stdout)
    assert _paragraphs(result.stdout)[-1] == _paragraphs(result.stdout)[0].split(" - ")[0]


def test_without_plain_a_terminal_gets_boxes(ruleset: Ruleset) -> None:
    result = run_cli(["assess", *_flags(ruleset)], stdout_tty=True,
                     environ={"TERM": "xterm", "COLUMNS": "100"})
    assert result.status == 0 and BOXES.search(result.stdout)


def test_a_pipe_keeps_its_report_without_the_repeat(ruleset: Ruleset) -> None:
    """Piped, the report is the plain text it always was: the main action once."""
    result = run_cli(["assess", *_flags(ruleset)], environ={"TERM": "xterm"})
    main = _main_action(_flags(ruleset), ruleset)
    assert [p for p in _paragraphs(result.stdout) if p == main] == []
    assert _paragraphs(result.stdout)[0].startswith(main)


# --- the width --------------------------------------------------------------------------


@pytest.mark.parametrize(("columns", "screen", "expected"), [
    ("0", None, 80), ("", None, 80), ("abc", None, 80), ("3", None, 3), ("-5", None, 80),
    ("1000000", None, MAX_COLUMNS), ("60", None, 60),
])
def test_columns_are_clamped(columns: str, screen: int | None, expected: int) -> None:
    env = Environment(io.StringIO(), io.StringIO(), io.StringIO(),
                      environ={"COLUMNS": columns})
    assert env.columns() == expected


def test_columns_never_wider_than_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    env = Environment(io.StringIO(), io.StringIO(), io.StringIO(), stdout_isatty=True,
                      environ={"COLUMNS": "1000000"})
    monkeypatch.setattr(env, "_terminal_columns", lambda: 90)
    assert env.columns() == 90
    env.environ["COLUMNS"] = "0"
    assert env.columns() == 90
    env.environ["COLUMNS"] = "50"
    assert env.columns() == 50


pexpect = pytest.importorskip("pexpect")


def _on_a_terminal(args: list[str], environ: dict[str, str],
                   columns: int = 100) -> tuple[int, str]:
    env = {**os.environ, "TERM": "xterm", "LINES": "40", **environ}
    for name in ["NO_COLOR", *(k for k, v in environ.items() if not v)]:
        env.pop(name, None)
    program, *rest = installed_command()
    child = pexpect.spawn(program, [*rest, *args], env=env, dimensions=(40, columns),
                          encoding="utf-8", codec_errors="replace", timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus or 0), (child.before or "").replace("\r\n", "\n")


@pytest.mark.parametrize("columns", ["0", "3", "1000000"])
def test_any_columns_on_a_real_terminal_shows_the_main_action(ruleset: Ruleset,
                                                              columns: str) -> None:
    flags = _flags(ruleset)
    status, screen = _on_a_terminal(["assess", *flags], {"COLUMNS": columns})
    assert status == 0, screen
    words = " ".join(ANSI.sub("", screen).replace("\u2502", " ").split())
    assert _main_action(flags, ruleset) in words
    if columns == "3":  # too narrow for boxes: plain text, the main action last
        assert not BOXES.search(screen)
        assert words.endswith(_main_action(flags, ruleset))
    widest = max(len(ANSI.sub("", line)) for line in screen.splitlines())
    assert widest <= 100  # never wider than the terminal


def test_a_dumb_terminal_gets_plain_text_and_no_escape_codes(ruleset: Ruleset) -> None:
    flags = _flags(ruleset)
    status, screen = _on_a_terminal(["assess", *flags], {"TERM": "dumb", "COLUMNS": "100"})
    assert status == 0
    assert not ANSI.search(screen) and not BOXES.search(screen)
    assert _paragraphs(screen)[-1] == _main_action(flags, ruleset)


# --- characters the output cannot encode ---------------------------------------------------

ASCII_LOCALES = [{"PYTHONIOENCODING": "ascii"},
                 {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}]
LOCALE_IDS = ["PYTHONIOENCODING=ascii", "LC_ALL=C"]


# Characters the text has to give up on an ASCII stream: in the top level's message (the
# banner) and in the disclaimer (every report's end) of a copy of the v1 rules.
UNICODE = " (\u2265 1 sign \u2013 it\u2019s M\u00e9ndez\u2019s 38\u00b0C \u2022 list)"

DEGRADED = "(>= 1 sign - it's Mendez's 38 degrees C * list)"


@pytest.fixture
def unicode_rules(tmp_path: Path) -> tuple[Ruleset, dict[str, str]]:
    """The copy, and the environment variable that chooses it."""
    import shutil

    from insertadvisor.loading import load_ruleset

    root = tmp_path / "rules"
    shutil.copytree(V1, root)
    path = root / "ruleset.yaml"
    text = path.read_text(encoding="utf-8")
    level = load_ruleset(V1).levels[0]
    assert text.count(f"message: {level.message}\n") == 1
    text = text.replace(f"message: {level.message}\n",
                        f'message: "{level.message}{UNICODE}"\n')
    path.write_text(text.replace("disclaimer: >-\n", f"disclaimer: >-\n  {UNICODE.strip()}\n"),
                    encoding="utf-8")
    return load_ruleset(root), {"INSERTADVISOR_RULES": str(root)}


def _run(args: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, **environ)
    for name, value in environ.items():
        if not value:
            env.pop(name, None)
    return subprocess.run([*installed_command(), *args], capture_output=True, env=env,
                          timeout=60, check=False)


def test_ascii_stand_ins_are_decided_by_the_environment() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    env = Environment(io.StringIO(), stream, io.StringIO(), environ={})
    env.stdout.write("\u2265 38\u00b0C \u2022 \u2013 it\u2019s M\u00e9ndez \u4e2d\n")
    env.stdout.flush()
    assert raw.getvalue() == b">= 38 degrees C * - it's Mendez ?\n"
    assert not holds_unicode(stream) and holds_unicode(io.StringIO())


def test_a_latin1_stream_keeps_what_it_can_encode() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="latin-1")
    Environment(io.StringIO(), stream, io.StringIO(), environ={})
    stream.write("38\u00b0C \u2265\n")
    stream.flush()
    assert raw.getvalue() == "38\u00b0C >=\n".encode("latin-1")


def test_a_utf8_stream_is_left_alone() -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    Environment(io.StringIO(), stream, io.StringIO(), environ={})
    assert stream.errors == "strict"


@pytest.mark.parametrize("environ", ASCII_LOCALES, ids=LOCALE_IDS)
def test_an_ascii_locale_degrades_the_report(unicode_rules: tuple[Ruleset, dict[str, str]],
                                             environ: dict[str, str]) -> None:
    ruleset, rules = unicode_rules
    flags = _flags(ruleset)
    done = _run(["assess", *flags], {**environ, **rules})
    assert done.returncode == 0, done.stderr
    assert done.stdout.isascii() and done.stderr.isascii()
    text = done.stdout.decode("ascii")
    utf8 = _run(["assess", *flags], {"PYTHONIOENCODING": "utf-8", **rules}).stdout
    expected = "\n".join(_paragraphs(utf8.decode("utf-8"))).replace(UNICODE.strip(), DEGRADED)
    assert "\n".join(_paragraphs(text)) == expected  # those characters, and nothing else


@pytest.mark.parametrize("environ", ASCII_LOCALES, ids=LOCALE_IDS)
def test_an_ascii_locale_gets_json_that_loses_nothing(unicode_rules: tuple[Ruleset, dict[str, str]],
                                                      environ: dict[str, str]) -> None:
    ruleset, rules = unicode_rules
    flags = [*_flags(ruleset), "--json"]
    done = _run(["assess", *flags], {**environ, **rules})
    assert done.returncode == 0, done.stderr
    assert done.stdout.isascii() and b"\\u2265" in done.stdout
    utf8 = _run(["assess", *flags], {"PYTHONIOENCODING": "utf-8", **rules})
    assert json.loads(done.stdout) == json.loads(utf8.stdout)


@pytest.mark.parametrize("environ", ASCII_LOCALES, ids=LOCALE_IDS)
def test_an_ascii_terminal_draws_the_whole_report(unicode_rules: tuple[Ruleset, dict[str, str]],
                                                  environ: dict[str, str]) -> None:
    """The Rich view on an ASCII terminal: ASCII boxes and bullets, every referral, and
    the disclaimer at the end (it used to stop at the first bullet, after the banner)."""
    ruleset, rules = unicode_rules
    flags = _flags(ruleset)
    status, screen = _on_a_terminal(["assess", *flags], {"COLUMNS": "100", **environ, **rules})
    assert status == 0, screen
    assert screen.isascii(), [c for c in screen if not c.isascii()][:5]
    words = " ".join(ANSI.sub("", screen).replace("|", " ").split())
    assert "* " in words and DEGRADED in words
    result = json.loads(run_cli(["assess", *flags, "--json"], environ=rules).stdout)
    for referral in result["referrals"]:
        assert " ".join(referral["reason"].split()[:4]) in words
    assert words.endswith(" ".join(ruleset.disclaimer.split()[-4:]))


@pytest.mark.parametrize("environ", ASCII_LOCALES, ids=LOCALE_IDS)
def test_an_ascii_terminal_can_be_asked_the_questions(environ: dict[str, str]) -> None:
    env = dict(os.environ, TERM="xterm", COLUMNS="100", INSERTADVISOR_RULES=str(V1),
               **{k: v for k, v in environ.items() if v})
    for name in [k for k, v in environ.items() if not v]:
        env.pop(name, None)
    program, *rest = installed_command()
    child = pexpect.spawn(program, [*rest, "assess"], env=env, dimensions=(40, 100),
                          encoding="utf-8", codec_errors="replace", timeout=60)
    child.expect(r"\?")  # the first question
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert "internal error" not in (child.before or "")
    assert child.exitstatus == 130


# --- batch progress ------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _progress(plain: bool, total: int | None = 1000, columns: int = 80,
              ) -> tuple[Any, io.StringIO, _Clock, io.BytesIO]:
    from insertadvisor.commands.batch import Progress

    stream, clock, source = io.StringIO(), _Clock(), io.BytesIO(b"x" * 1000)
    progress = Progress(stream, source, total, plain=plain, clock=clock, columns=columns)
    return progress, stream, clock, source


def test_progress_on_a_terminal_shows_rate_and_time_left_then_a_summary() -> None:
    progress, stream, clock, source = _progress(plain=False)
    source.seek(250)
    clock.now += 2.0
    progress(500)
    shown = stream.getvalue()
    assert shown.startswith("\r") and shown.endswith("\x1b[K")
    assert "25%" in shown and "500 records" in shown and "250/s" in shown
    assert "about 6 s left" in shown  # 2 s for a quarter: 6 s for the rest
    clock.now += 0.05
    progress(600)  # too soon to redraw
    assert stream.getvalue() == shown
    clock.now += 6.0
    progress.finish(2000, 3)
    assert stream.getvalue().endswith("\r\x1b[Kinsertadvisor batch: 2,000 records, 3 errors, "
                                      "8.0 s\n")


@pytest.mark.parametrize("columns", [80, 60, 45, 40])
def test_a_redrawn_progress_line_fits_the_terminal(columns: int) -> None:
    """A line as wide as the terminal wraps, and each \\r then leaves a row behind."""
    progress, stream, clock, source = _progress(plain=False, columns=columns)
    for step in range(1, 10):
        source.seek(step * 100)
        clock.now += 1.0
        progress(step * 123_456)
    drawn = [line.removesuffix("\x1b[K") for line in stream.getvalue().split("\r")[1:]]
    assert len(drawn) == 9 and all(0 < len(line) < columns for line in drawn)
    assert all("records" in line and not line.endswith(" ") for line in drawn)
    assert ("[" in drawn[0]) is (columns == 80)  # the bar goes first


@pytest.mark.parametrize("columns", [39, 3, 1])
def test_progress_below_a_usable_width_is_whole_lines(columns: int) -> None:
    progress, stream, clock, source = _progress(plain=False, columns=columns)
    for step in range(1, 12):
        source.seek(step * 50)
        clock.now += 1.0
        progress(step * 100)
    progress.finish(1100, 0)
    text = stream.getvalue()
    assert "\r" not in text and "\x1b" not in text
    assert all(line.startswith("insertadvisor batch: ") for line in text.splitlines())


def test_progress_from_stdin_has_no_bar_and_no_estimate() -> None:
    progress, stream, clock, _ = _progress(plain=False, total=None)
    clock.now += 1.0
    progress(4096)
    assert stream.getvalue() == "\r4,096 records  4,096/s\x1b[K"


def test_plain_progress_is_whole_lines_without_escape_codes() -> None:
    progress, stream, clock, source = _progress(plain=True)
    for step in range(1, 30):
        source.seek(step * 30)
        clock.now += 1.0
        progress(step * 100)
    progress.finish(3000, 1)
    text = stream.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert all(line.startswith("insertadvisor batch: ") for line in lines)
    assert len(lines) == 6  # one every 5 seconds, and the summary
    assert "left" in lines[0] and "/s" in lines[0] and "[" not in lines[0]
    assert lines[-1] == "insertadvisor batch: 3,000 records, 1 error, 29.0 s"


def test_an_interrupted_batch_clears_its_line_without_a_summary() -> None:
    progress, stream, clock, _ = _progress(plain=False)
    clock.now += 1.0
    progress(10)
    progress.finish()
    assert stream.getvalue().endswith("\r\x1b[K")
    assert "errors" not in stream.getvalue()


@pytest.mark.parametrize("environ", [{"TERM": "dumb"}, {"INSERTADVISOR_PLAIN": "1"}, {}],
                         ids=["TERM=dumb", "INSERTADVISOR_PLAIN=1", "--plain"])
def test_plain_batch_progress_on_a_real_terminal(tmp_path: Path,
                                                 environ: dict[str, str]) -> None:
    record = {"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": None,
              "pain_weeks": 3}
    path = tmp_path / "many.jsonl"
    path.write_text((json.dumps(record) + "\n") * 5000 + "{bad\n")
    out = tmp_path / "out.jsonl"
    command = " ".join(installed_command())
    plain = "" if environ else " --plain"
    child = pexpect.spawn("/bin/sh", ["-c", f"{command} batch{plain} {path} > {out}"],
                          encoding="utf-8", timeout=120,
                          env={**os.environ, "TERM": "xterm", **environ})
    child.expect(pexpect.EOF)
    child.close()
    screen = child.before or ""
    assert child.exitstatus == 2  # the bad record
    assert "\x1b" not in screen and "\r" not in screen.replace("\r\n", "")
    assert "insertadvisor batch: 5,001 records, 1 error, " in screen
    assert len(out.read_text().splitlines()) == 5001
