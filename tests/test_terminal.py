"""Terminal manners: colour only on a terminal and only when allowed, prompts on stderr,
and a report that stays readable at 60 columns."""

from __future__ import annotations

import io
import json
import os
import re

import pytest

from insertadvisor.answers import complete, parse_mapping
from insertadvisor.assessment import assess
from insertadvisor.model import Ruleset
from insertadvisor.render.rich_view import make_console, render
from insertadvisor.report import build
from insertadvisor.results import Assessment

from .conftest import CORE_FLAGS, installed_command, run_cli, run_installed


@pytest.fixture(autouse=True)
def _frozen_rules(on_v1: Ruleset) -> None:
    """These tests are about mechanics: they run on the frozen v1 rule set."""


@pytest.fixture
def ruleset(on_v1: Ruleset) -> Ruleset:
    return on_v1

ANSI = re.compile(r"\x1b\[")
URGENT_FLAGS = ["--arch", "flat", "--overpronation", "yes", "--leg-length-diff", "6",
                "--pain-weeks", "8", "--symptom", "foot_pain", "--symptom", "fever",
                "--age", "40", "--tried-otc-weeks", "0", "--footwear", "unknown", "--no-input"]
COLOUR_OK = {"TERM": "xterm-256color", "NO_COLOR": ""}


@pytest.fixture(autouse=True)
def _a_colour_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the machine running the tests has, start from a colour terminal; each test
    then says what differs, through the Environment it runs with."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def test_colour_on_a_terminal_when_nothing_forbids_it() -> None:
    # The positive control: without it the tests below could pass by never colouring.
    result = run_cli(["assess", *URGENT_FLAGS], stdout_tty=True, environ=COLOUR_OK)
    assert result.status == 0
    assert ANSI.search(result.stdout)


@pytest.mark.parametrize(("args", "stdout_tty", "environ"), [
    ([], False, COLOUR_OK),                                   # a pipe or a file
    ([], True, {"TERM": "xterm-256color", "NO_COLOR": "1"}),  # NO_COLOR, any value
    ([], True, {"TERM": "dumb", "NO_COLOR": ""}),
    (["--no-color"], True, COLOUR_OK),
], ids=["pipe", "NO_COLOR", "TERM=dumb", "--no-color"])
def test_no_escape_codes_when_colour_is_off(args: list[str], stdout_tty: bool,
                                            environ: dict[str, str]) -> None:
    for command in (["assess", *URGENT_FLAGS], ["checkin", "--weeks-wearing", "2",
                                                "--effect", "numbness_tingling"]):
        result = run_cli([*command, *args], stdout_tty=stdout_tty, environ=environ)
        assert result.status == 0, result.stderr
        assert not ANSI.search(result.stdout), command
        assert "URGENT" in result.stdout.upper()


def test_installed_command_in_a_pipe_writes_no_escape_codes() -> None:
    done = run_installed(["assess", *URGENT_FLAGS], env={"TERM": "xterm-256color"})
    assert done.returncode == 0
    assert not ANSI.search(done.stdout) and not ANSI.search(done.stderr)


def test_prompts_go_to_stderr_and_only_the_result_to_stdout() -> None:
    answers = "1\n1\nunknown\n3\n" + "n\n" * 19 + "\n\n\n\n\n"  # (2 skips asked again)
    result = run_cli(["assess", "--json"], answers, tty=True)
    assert result.status == 0, result.stderr
    assert json.loads(result.stdout)["answers"]["arch"] == "flat"  # stdout: JSON only
    assert "What is your arch like" in result.stderr


def test_prompts_are_not_coloured_under_no_color() -> None:
    answers = "1\n1\nunknown\n3\n" + "n\n" * 19 + "\n\n\n"
    coloured = run_cli(["assess", "--json"], answers, tty=True, environ=COLOUR_OK)
    assert ANSI.search(coloured.stderr)
    plain = run_cli(["assess", "--json"], answers, tty=True,
                    environ={"TERM": "xterm", "NO_COLOR": "1"})
    assert not ANSI.search(plain.stderr)


def _result(ruleset: Ruleset) -> Assessment:
    questions = ruleset.questions["assess"]
    raw = {"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": 6, "pain_weeks": 8,
           "symptoms": ["foot_pain", "fever"], "age": 40}
    return assess(ruleset, complete(questions, parse_mapping(questions, raw, "test")))


@pytest.mark.parametrize("colour", [False, True])
def test_rich_report_fits_60_columns(ruleset: Ruleset, colour: bool) -> None:
    out = io.StringIO()
    result = _result(ruleset)
    result["not_fired"] = [{"id": "x" * 90, "file": "rules/y.yaml", "line": 1,
                            "failed": "a long reason " * 10}]
    render(make_console(out, colour, width=60), build(result, ruleset, explain=True), ruleset)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 60
    # Wrapped lines hang under the text, so no word is lost at a border.
    assert "A high" in text and "infection." in text


def test_terminal_width_is_taken_from_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    result = run_cli(["assess", *URGENT_FLAGS], stdout_tty=True, environ=COLOUR_OK)
    text = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    assert max(len(line) for line in text.splitlines()) <= 60


def test_real_terminal_at_60_columns_is_readable() -> None:
    pexpect = pytest.importorskip("pexpect")
    command = installed_command()
    child = pexpect.spawn(command[0], [*command[1:], "assess", *URGENT_FLAGS],
                          encoding="utf-8", timeout=60, dimensions=(50, 60),
                          env=dict(os.environ, TERM="xterm-256color", NO_COLOR="",
                                   COLUMNS="60"))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", child.before or "")
    assert max(len(line) for line in text.replace("\r", "").splitlines()) <= 60
    assert "URGENT" in text and ANSI.search(child.before or "")


def test_plain_text_report_for_a_pipe(ruleset: Ruleset) -> None:
    result = run_cli(["assess", *CORE_FLAGS])
    assert result.stdout.startswith("SELF-CARE:")
    assert max(len(line) for line in result.stdout.splitlines()) <= 78
