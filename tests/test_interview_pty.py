"""The interview of the default rule set in a real pseudo-terminal (issue 11, issue 13).

Where a person meets it: typing "3 months", going back, Ctrl-C and then resuming, the
locale's country offered as the region, a copy for a doctor, a resize and Ctrl-Z / fg
while a question waits, a byte that is not UTF-8. A simulated person
(interview_person.Person) decides each answer from what the screen shows, so the order
of the questions comes from the rule set.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from insertadvisor.model import Ruleset

from .conftest import installed_command
from .interview_person import LEAD, OFFER, Person, expected_walk, flat
from .test_interview import PLAIN, STAGE, WITH_FOOT, _data_file, answers_of

pexpect = pytest.importorskip("pexpect")

CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
PROMPT = (r"(Choose 1-\d+: |Answer(?: \(\w+\))?: |\[y/n\]: |\[Y/n\]: |\[y/N\]: |"
          r"Enter = no: )")
INTERRUPTED = "insertadvisor: interrupted"


def spawn(children: list[object], *args: str, columns: int = 100, cwd: Path | None = None,
          env: dict[str, str] | None = None, command: list[str] | None = None) -> object:
    environ = dict(os.environ, TERM="xterm", LINES="40", LANG="en_GB.UTF-8", LC_ALL="")
    environ.pop("NO_COLOR", None)
    environ.pop("COLUMNS", None)
    environ.update(env or {})
    program, *rest = command or [*installed_command(), *args]
    child = pexpect.spawn(program, rest, env=environ, dimensions=(40, columns), cwd=cwd,
                          encoding="utf-8", codec_errors="replace", timeout=30)
    child.logfile_read = io.StringIO()
    children.append(child)
    return child


@pytest.fixture
def children() -> object:
    spawned: list[object] = []
    yield spawned
    for child in spawned:
        if child.isalive():  # type: ignore[attr-defined]
            child.terminate(force=True)  # type: ignore[attr-defined]


def screen(child: object) -> str:
    return CSI.sub("", child.logfile_read.getvalue()).replace("\r\n", "\n")  # type: ignore[attr-defined]


def converse(child: object, person: Person, *, interrupt: bool = False,
             prompts: list[str] | None = None) -> int:
    """Answer every prompt as `person` would; when they stop, Ctrl-C (or Ctrl-D).
    Each prompt met is added to `prompts`."""
    while True:
        index = child.expect([PROMPT, pexpect.EOF])  # type: ignore[attr-defined]
        if index == 1:
            child.close()  # type: ignore[attr-defined]
            return int(child.exitstatus)  # type: ignore[attr-defined]
        shown = child.before + child.after  # type: ignore[attr-defined]
        if prompts is not None:
            prompts.append(CSI.sub("", shown))
        reply = person.answer(CSI.sub("", shown))
        if reply is None:
            if interrupt:
                child.sendintr()  # type: ignore[attr-defined]
            else:
                child.sendeof()  # type: ignore[attr-defined]
            child.expect(pexpect.EOF)  # type: ignore[attr-defined]
            child.close()  # type: ignore[attr-defined]
            return int(child.exitstatus)  # type: ignore[attr-defined]
        child.sendline(reply)  # type: ignore[attr-defined]


def test_typing_3_months_shows_what_was_recorded(children: list[object],
                                                 ruleset: Ruleset) -> None:
    factor = Fraction(str(ruleset.words["units"]["weeks"]["month"]["factor"]))
    weeks = 3 * factor
    child = spawn(children, "assess", "--json")
    person = Person(ruleset, STAGE, {**PLAIN, "pain_weeks": "3 months"})
    assert converse(child, person) == 0
    seen = flat(screen(child))
    about = "" if weeks.denominator == 1 else "about "
    shown = f"{float(round(weeks, 1)):g}"
    assert f"Answer (weeks): 3 months 3 months = {about}{shown} weeks" in seen  # echo, then ours
    assert f'"pain_weeks": {shown}' in screen(child)


@pytest.mark.parametrize("foot", [False, True])
def test_the_common_path_counted_in_a_terminal(children: list[object], ruleset: Ruleset,
                                               foot: bool) -> None:
    """Policy 2.3: a person with no red flag meets 19 questions (21 with a foot factor),
    plus the region on the first run only, then the offer of a copy: every prompt on the
    screen is counted, and the count is derived from the rule set's interview."""
    replies = WITH_FOOT if foot else PLAIN
    walk = expected_walk(ruleset, STAGE, answers_of(replies))
    assert len(walk) == (21 if foot else 19) + 1 and walk[0] == "region"
    for run, expected in enumerate((walk, walk[1:])):  # the region is kept after the first
        prompts: list[str] = []
        person = Person(ruleset, STAGE, replies)
        assert converse(spawn(children, "assess"), person, prompts=prompts) == 0
        assert person.asked == expected, run
        assert len(prompts) == len(expected) + 1  # the questions, then the offer
        assert OFFER in flat(prompts[-1])
        leads = [LEAD.search(flat(p)) for p in prompts[:-1]]
        assert all(leads), run  # "Question N of about M" on every question
        assert [int(m.group(1)) for m in leads if m] == list(range(1, len(expected) + 1))
        assert [int(m.group(2)) for m in leads if m][-1] == len(expected)


def test_going_back_in_a_terminal(children: list[object], ruleset: Ruleset) -> None:
    child = spawn(children, "assess", "--json")
    person = Person(ruleset, STAGE, {**PLAIN, "pain_weeks": ["3", "6"],
                                     "pain_trend": ["back", "same"]})
    assert converse(child, person) == 0
    at = person.asked.index("pain_weeks")
    assert person.asked[at:at + 4] == ["pain_weeks", "pain_trend", "pain_weeks", "pain_trend"]
    data = json.loads(screen(child)[screen(child).index("{"):screen(child).rindex("}") + 1])
    assert data["answers"]["pain_weeks"] == 6


def test_ctrl_c_then_the_next_assess_offers_to_resume(children: list[object],
                                                      ruleset: Ruleset) -> None:
    first = spawn(children, "assess")
    person = Person(ruleset, STAGE, PLAIN, stop_after="pain_weeks")
    assert converse(first, person, interrupt=True) == 130
    seen = screen(first)
    after = seen[[m.end() for m in re.finditer(PROMPT, seen)][-1]:]  # below the last prompt
    assert [line for line in after.split("\n") if line.strip() and line.strip() != "^C"] \
        == [INTERRUPTED]
    kept = _data_file()  # the answers so far, readable only by the person
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert json.loads(kept.read_text())["answers"]["age"] == 40
    done = len(person.asked)
    second = spawn(children, "assess", "--json")
    again = Person(ruleset, STAGE, PLAIN)
    assert converse(second, again) == 0
    seen = screen(second)
    assert f"after {done} questions." in flat(seen)
    assert "Carry on where you left off? [Y/n]" in seen
    assert again.asked[0] == expected_walk(ruleset, STAGE, answers_of(PLAIN))[done]
    assert again.leads[0][0] == done + 1
    assert '"age": 40' in seen
    assert not kept.exists()  # finished: nothing is left behind


def test_the_locales_country_is_offered_and_saved(children: list[object],
                                                  ruleset: Ruleset) -> None:
    us = next(r for r in ruleset.regions.values() if "US" in r.countries)
    label = ruleset.question(STAGE, "region").labels[us.id]
    child = spawn(children, "assess", "--json", env={"LANG": "en_US.UTF-8"})
    person = Person(ruleset, STAGE, {**PLAIN, "region": ""})
    assert converse(child, person) == 0
    assert f"(Enter: {label})" in flat(screen(child))
    assert f'"region": "{us.id}"' in screen(child)
    second = spawn(children, "assess", "--json", env={"LANG": "en_GB.UTF-8"})
    again = Person(ruleset, STAGE, PLAIN)
    assert converse(second, again) == 0
    assert "region" not in again.asked
    assert f'"region": "{us.id}"' in screen(second)


def test_a_copy_for_a_doctor_is_saved_in_the_current_folder(
        children: list[object], ruleset: Ruleset, tmp_path: Path) -> None:
    child = spawn(children, "assess", cwd=tmp_path)
    person = Person(ruleset, STAGE, PLAIN, on_offer="h")
    assert converse(child, person) == 0
    copy = tmp_path / f"insertadvisor-assessment-{date.today().isoformat()}.html"
    assert f"Saved: {copy}" in flat(screen(child))
    page = copy.read_text()
    assert ruleset.report.headings["answers"] in page
    assert ruleset.report.headings["not_asked"] in page  # follow-ups their condition left out


def test_a_resize_redraws_the_waiting_prompt_at_the_new_width(children: list[object]) -> None:
    child = spawn(children, "assess", columns=100)
    child.expect(r"Choose 1-\d+: ")  # type: ignore[attr-defined]
    before = len(screen(child))
    child.setwinsize(40, 50)  # type: ignore[attr-defined]
    child.expect(r"Choose 1-\d+: ")  # type: ignore[attr-defined]
    redrawn = screen(child)[before:]
    assert "Which country are you in?" in redrawn
    assert all(len(line.rstrip()) <= 50 for line in redrawn.split("\n")), redrawn
    child.sendline("1")  # type: ignore[attr-defined]
    child.expect(r"Answer \(years\): ")  # type: ignore[attr-defined]  # and it goes on
    child.sendintr()  # type: ignore[attr-defined]
    child.expect(pexpect.EOF)  # type: ignore[attr-defined]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash for job control")
def test_ctrl_z_and_fg_redraw_the_prompt(children: list[object], tmp_path: Path) -> None:
    command = " ".join(installed_command())
    shell = spawn(children, command=["bash", "--norc", "--noprofile", "-i"],
                  env={"PS1": "$ ", "HISTFILE": str(tmp_path / "history")})
    shell.expect(r"\$ ")  # type: ignore[attr-defined]
    shell.sendline(f"{command} assess")  # type: ignore[attr-defined]
    shell.expect(r"Choose 1-\d+: ")  # type: ignore[attr-defined]
    shell.sendcontrol("z")  # type: ignore[attr-defined]
    shell.expect("Stopped")  # type: ignore[attr-defined]
    shell.expect(r"\$ ")  # type: ignore[attr-defined]
    before = len(screen(shell))
    shell.sendline("fg")  # type: ignore[attr-defined]
    shell.expect(r"Choose 1-\d+: ")  # type: ignore[attr-defined]
    assert "Which country are you in?" in screen(shell)[before:]  # drawn again
    shell.sendline("1")  # type: ignore[attr-defined]
    shell.expect(r"Answer \(years\): ")  # type: ignore[attr-defined]  # and it goes on
    shell.sendintr()  # type: ignore[attr-defined]
    shell.expect(INTERRUPTED)  # type: ignore[attr-defined]
    shell.expect(r"\$ ")  # type: ignore[attr-defined]
    shell.sendline("exit")  # type: ignore[attr-defined]
    shell.expect(pexpect.EOF)  # type: ignore[attr-defined]


def test_a_latin1_byte_with_strict_utf8_stdin_is_asked_again(children: list[object]) -> None:
    child = spawn(children, "assess", env={"PYTHONIOENCODING": "utf-8:strict"})
    child.expect(r"Choose 1-\d+: ")  # type: ignore[attr-defined]
    os.write(child.child_fd, b"caf\xe9\r")  # type: ignore[attr-defined]
    child.expect("could not be read as text")  # type: ignore[attr-defined]
    child.expect(r"Choose 1-\d+: ")  # type: ignore[attr-defined]
    child.sendline("1")  # type: ignore[attr-defined]
    child.expect(r"Answer \(years\): ")  # type: ignore[attr-defined]
    child.sendintr()  # type: ignore[attr-defined]
    child.expect(pexpect.EOF)  # type: ignore[attr-defined]
    assert "Traceback" not in screen(child)


@pytest.mark.parametrize("typed", ["²", "①"])
def test_a_superscript_at_a_choice_is_asked_again(children: list[object], typed: str) -> None:
    child = spawn(children, "assess")
    child.expect(r"Choose 1-\d+: ")  # type: ignore[attr-defined]
    child.sendline(typed)  # type: ignore[attr-defined]
    child.expect("or type a number from 1 to")  # type: ignore[attr-defined]
    child.expect(r"Choose 1-\d+: ")  # type: ignore[attr-defined]
    child.sendintr()  # type: ignore[attr-defined]
    child.expect(pexpect.EOF)  # type: ignore[attr-defined]
    assert "Traceback" not in screen(child)


def test_a_fifo_where_the_interview_is_kept_is_not_waited_on(children: list[object]) -> None:
    kept = _data_file()
    kept.parent.mkdir(parents=True, mode=0o700)
    os.mkfifo(kept)
    child = spawn(children, "assess")
    child.expect(r"Choose 1-\d+: ")  # type: ignore[attr-defined]  # (not blocked on it)
    assert "Carry on" not in screen(child)
    child.sendintr()  # type: ignore[attr-defined]
    child.expect(pexpect.EOF)  # type: ignore[attr-defined]
    assert stat.S_ISFIFO(os.lstat(kept).st_mode)  # not ours to remove
