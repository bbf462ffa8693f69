"""A real terminal (issue 5 part 3, issue 2): the installed command in a pseudo-terminal.

pexpect gives the process its own pty, so this runs in CI without a terminal. Each test
answers the prompts as a person would (typed text is echoed by the terminal), presses
Ctrl-C or Ctrl-D, and checks what the screen shows and the exit status.

Ctrl-C at any prompt: exit 130 and exactly one line, "insertadvisor: interrupted", below
the prompt; no traceback. Ctrl-D (end of input) at a prompt: exit 130 and the one line
"insertadvisor: stopped: input ended before every question was answered" (see
test_prompts.py for why 130).
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from insertadvisor.model import Ruleset

if TYPE_CHECKING:
    import pexpect  # for the annotations; at run time the test is skipped without it
else:
    pexpect = pytest.importorskip("pexpect")

from insertadvisor.loading import load_ruleset

from .conftest import V1, installed_command


@pytest.fixture(autouse=True)
def _frozen_rules(on_v1: Ruleset) -> None:
    """These tests are about mechanics: they run on the frozen v1 rule set."""


@pytest.fixture
def ruleset(on_v1: Ruleset) -> Ruleset:
    return on_v1

RULESET = load_ruleset(V1)  # the frozen v1 rules, as the tests below run on
ITEMS = next(q for q in RULESET.questions["assess"] if q.id == "symptoms").items
CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
INTERRUPTED = "insertadvisor: interrupted"
STOPPED = "insertadvisor: stopped: input ended before every question was answered"

CHOOSE_4 = r"Choose 1-4: "
CHOOSE_3 = r"Choose 1-3: "
MM = r"Answer \(mm\): "
WEEKS = r"Answer \(weeks\): "
YEARS = r"Answer \(years\): "
YES_NO = r"\[y/n\]: "
CONTINUE = r"Answer the remaining questions too\? \[y/N\]: "
OFFER = r"Enter = no: "  # the end of the offer of a copy for a doctor


def spawn(*args: str, columns: int = 100, env: dict[str, str] | None = None,
          command: list[str] | None = None) -> pexpect.spawn:
    environ = dict(os.environ, TERM="xterm", COLUMNS=str(columns), LINES="40")
    environ.pop("NO_COLOR", None)
    environ.update(env or {})
    program, *rest = command or [*installed_command(), *args]
    return pexpect.spawn(program, rest, env=environ, dimensions=(40, columns),
                         encoding="utf-8", codec_errors="replace", timeout=30)


@pytest.fixture
def children() -> Iterator[list[pexpect.spawn]]:
    """Every child spawned by a test is closed after it, even when the test fails."""
    spawned: list[pexpect.spawn] = []
    yield spawned
    for child in spawned:
        if child.isalive():
            child.terminate(force=True)


def screen(child: pexpect.spawn) -> str:
    """What the person saw, without colour codes, with the pty's \\r\\n as \\n."""
    return CSI.sub("", child.logfile_read.getvalue()).replace("\r\n", "\n")


def start(children: list[pexpect.spawn], *args: str, **kwargs: object) -> pexpect.spawn:
    import io

    child = spawn(*args, **kwargs)  # type: ignore[arg-type]
    child.logfile_read = io.StringIO()
    children.append(child)
    return child


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus is None
    return int(child.exitstatus)


def decline_copy(child: pexpect.spawn) -> None:
    """Enter at the offer of a copy for a doctor, after the report."""
    child.expect(OFFER)
    child.sendline("")


def answer_core(child: pexpect.spawn) -> None:
    child.expect(CHOOSE_4)
    child.sendline("1")
    child.expect(CHOOSE_3)
    child.sendline("2")
    child.expect(MM)
    child.sendline("unknown")
    child.expect(WEEKS)
    child.sendline("3")


def answer_screen(child: pexpect.spawn, yes: tuple[str, ...] = ()) -> None:
    for item in ITEMS:
        child.expect(YES_NO)
        child.sendline("y" if item.id in yes else "n")


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c)
               else 1 for c in text)


def test_a_person_answers_every_question_with_one_wrong_answer(
        children: list[pexpect.spawn]) -> None:
    child = start(children, "assess")
    child.expect("What is your arch like when you stand?")
    child.expect(CHOOSE_4)
    child.sendline("flatt")  # a typo: asked again with the reason and a suggestion
    child.expect(r"'flatt' is not one of flat, normal, high, unknown \(did you")
    child.expect(CHOOSE_4)
    child.sendline("1")
    child.expect("Do your ankles roll inward")
    child.expect(CHOOSE_3)
    child.sendline("no")
    child.expect(MM)
    child.sendline("don't know")
    child.expect(WEEKS)
    child.sendline("8")
    answer_screen(child)
    child.expect("How old are you?")
    child.expect(YEARS)
    child.sendline("")  # Enter skips, and a question whose skipping leaves it unknown ...
    child.expect("press Enter again to skip")
    child.expect(YEARS)  # ... is asked once more
    child.sendline("")
    child.expect(WEEKS)
    child.sendline("")
    child.expect(WEEKS)
    child.sendline("")
    child.expect(r"\(Enter skips\)")
    child.expect(CHOOSE_4)
    child.sendline("1")
    decline_copy(child)
    assert finish(child) == 0
    seen = screen(child)
    assert "Choose 1-4: flatt\n" in seen  # the terminal echoed what was typed
    assert "Traceback" not in seen
    # the report came after the last question, on the terminal
    report = seen[seen.rindex("Choose 1-4: 1"):]
    assert "ROUTINE" in report.upper()
    assert "Insert" in report
    assert "not a diagnosis" in report


def test_an_emergency_is_on_screen_before_any_further_question(
        children: list[pexpect.spawn]) -> None:
    child = start(children, "assess")
    answer_core(child)
    child.expect(YES_NO)
    child.sendline("n")
    child.expect(YES_NO)
    child.sendline("y")  # bladder or bowel change: an emergency
    index = child.expect([r"EMERGENCY: Call the emergency number", YES_NO, CHOOSE_4])
    assert index == 0, "another question came before the emergency message"
    child.expect(CONTINUE)
    shown = screen(child)
    between = shown[shown.rindex("[y/n]: y"):]
    assert "EMERGENCY" in between
    assert "[y/n]" not in between.replace("[y/n]: y", "", 1)
    child.sendline("")  # Enter: No, show the result now
    decline_copy(child)
    assert finish(child) == 0
    report = screen(child)[len(shown):]
    assert "EMERGENCY" in report.upper()
    assert "[y/n]" not in report


@pytest.mark.parametrize("where", ["arch", "overpronation", "leg", "weeks", "symptom",
                                   "age", "footwear", "continue"])
def test_ctrl_c_at_any_prompt_exits_130_with_one_line(children: list[pexpect.spawn],
                                                      where: str) -> None:
    child = start(children, "assess")
    steps = [("arch", CHOOSE_4, "1"), ("overpronation", CHOOSE_3, "2"), ("leg", MM, "4"),
             ("weeks", WEEKS, "3")]
    for name, prompt, reply in steps:
        child.expect(prompt)
        if name == where:
            break
        child.sendline(reply)
    else:
        child.expect(YES_NO)
        if where == "continue":
            child.sendline("y")
            child.expect(CONTINUE)
        elif where != "symptom":
            child.sendline("n")
            answer_screen_rest(child)
            child.expect(YEARS)
            if where == "footwear":
                for prompt in (YEARS, WEEKS, WEEKS):  # (skipped once, asked once more)
                    child.sendline("")
                    child.expect(prompt)
                child.sendline("")
                child.expect(CHOOSE_4)
    before = len(screen(child))
    child.sendintr()
    assert finish(child) == 130
    after = screen(child)[before:]
    assert "Traceback" not in after
    lines = [line for line in after.split("\n") if line.strip() and line.strip() != "^C"]
    assert lines == [INTERRUPTED], after


def answer_screen_rest(child: pexpect.spawn) -> None:
    """The screen after its first question was answered."""
    for _ in ITEMS[1:]:
        child.expect(YES_NO)
        child.sendline("n")


@pytest.mark.parametrize("where", [CHOOSE_4, MM, YES_NO])
def test_ctrl_d_at_a_prompt_stops_cleanly(children: list[pexpect.spawn], where: str) -> None:
    child = start(children, "assess")
    child.expect(CHOOSE_4)
    if where != CHOOSE_4:
        child.sendline("1")
        child.expect(CHOOSE_3)
        child.sendline("1")
        child.expect(MM)
        if where != MM:
            child.sendline("3")
            child.expect(WEEKS)
            child.sendline("3")
            child.expect(YES_NO)
    before = len(screen(child))
    child.sendeof()
    assert finish(child) == 130
    after = screen(child)[before:]
    assert "Traceback" not in after
    assert [line for line in after.split("\n") if line.strip()] == [STOPPED], after


def test_json_goes_to_a_file_while_the_person_answers_on_the_terminal(
        children: list[pexpect.spawn], tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    command = " ".join(installed_command())
    child = start(children, command=["/bin/sh", "-c", f"{command} assess --json > '{out}'"])
    answer_core(child)
    answer_screen(child, yes=("foot_pain",))
    child.expect(YEARS)
    child.sendline("33")
    child.expect(WEEKS)
    child.sendline("")
    child.expect(WEEKS)
    child.sendline("")
    child.expect(CHOOSE_4)
    child.sendline("")
    decline_copy(child)
    assert finish(child) == 0
    data = json.loads(out.read_text())  # stdout held nothing but the JSON
    assert data["answers"]["symptoms"] == ["foot_pain"]
    assert data["answers"]["age"] == 33
    assert "{" not in screen(child)  # and the terminal showed no JSON


def test_a_60_column_terminal_stays_readable(children: list[pexpect.spawn]) -> None:
    child = start(children, "assess", "--explain", columns=60)
    child.expect(CHOOSE_4)
    child.sendline("1")
    child.expect(CHOOSE_3)
    child.sendline("1")
    child.expect(MM)
    child.sendline("12")
    child.expect(WEEKS)
    child.sendline("14")
    answer_screen(child, yes=("foot_pain", "severe_pain"))
    child.expect(YEARS)
    child.sendline("55")
    child.expect(WEEKS)
    child.sendline("8")
    child.expect(CHOOSE_4)
    child.sendline("3")
    decline_copy(child)
    assert finish(child) == 0
    seen = screen(child)
    assert "Traceback" not in seen
    lines = seen.split("\n")
    too_wide = [line for line in lines if display_width(line.rstrip()) > 60]
    assert too_wide == []
    # the report was drawn (boxes and all), not only the prompts
    report = seen[seen.rindex("Choose 1-4: 3"):]
    assert len(report.split("\n")) > 20
    assert "╭" in report or "+" in report or "─" in report


def test_ctrl_c_during_checkin_too(children: list[pexpect.spawn]) -> None:
    child = start(children, "checkin")
    child.expect(WEEKS)
    child.sendintr()
    assert finish(child) == 130
    assert "Traceback" not in screen(child)
    assert screen(child).rstrip().endswith(INTERRUPTED)
