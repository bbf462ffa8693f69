"""Exit codes that tell the truth (reliability issue, items 11 and 12).

11. Whatever state stderr is in (full, closed), the status is the command's: 2 for bad
    input, 3 for an invalid rule set. A closed stdin is bad input (2); a full or closed
    stdout is reported as such (exit 1, never "internal error ... bug"). A closed output
    pipe (`| head`) ends a normal command with 0, but not a failing one: `rules check`
    that found problems must still exit 3 (the command records its failure before it
    writes, errors.note_failure, as commands/rules.py does).
12. `--debug` is removed only where it is a flag: not after `--`, not as an option's value.

Real processes, with the shell's redirections, for everything about streams.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insertadvisor.cli import _take_debug, _value_options, run
from insertadvisor.environment import Environment
from insertadvisor.errors import ExitStatus, note_failure, noted_failure

from .conftest import CORE_FLAGS, installed_command, run_cli

HERE = Path(__file__).resolve().parent
MINIMAL = HERE / "rulesets" / "minimal"
GOOD = '{"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": 0, "pain_weeks": 3}'
IA = " ".join(installed_command())
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A broken rule set (exit 3 on load), one that loads but fails `rules check` and
    `rules test`, an answers file with a bad value, and a batch with a bad record."""
    base = tmp_path_factory.mktemp("exit")
    broken = base / "broken"
    shutil.copytree(MINIMAL, broken)
    (broken / "tables.yaml").write_text("- 1\n")
    failing = base / "failing"
    shutil.copytree(MINIMAL, failing)
    tables = failing / "tables.yaml"
    text = tables.read_text()
    assert text.count("{urgency: emergency,") == 1
    tables.write_text(text.replace("{urgency: emergency,", "{urgency: urgent,"))
    bad = base / "bad.yaml"
    bad.write_text("arch: flatt\n")
    batch = base / "batch.jsonl"
    batch.write_text(f"{GOOD}\nnope\n{GOOD}\n")
    return {"broken": broken, "failing": failing, "bad": bad, "batch": batch}


def _sh(command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/bin/bash", "-c", command], capture_output=True, text=True,
                          timeout=timeout, check=False)


ASSESS = f"{IA} assess --no-input {' '.join(CORE_FLAGS)}"


def _cases(p: dict[str, Path]) -> list[tuple[str, int]]:
    """(command, its exit status): one of each status the contract defines but 130."""
    return [
        (f"{ASSESS} --json", 0),
        (f"{ASSESS} --pain-weeks -1", 2),
        (f"{IA} assess --answers {p['bad']} --no-input", 2),
        (f"{IA} asess", 2),
        (f"{IA} batch {p['batch']}", 2),
        (f"{ASSESS} --rules {p['broken']}", 3),
        (f"{IA} rules check {p['failing']}", 3),
        (f"{IA} rules test {p['failing']}", 3),
        (f"{IA} rules validate {p['broken']}", 3),
    ]


# --- 11. stderr ---------------------------------------------------------------------------

@pytest.mark.parametrize("stderr", ["2>/dev/full", "2>&-"])
def test_the_status_does_not_depend_on_stderr(places: dict[str, Path], stderr: str) -> None:
    """Every status of the contract, with stderr full or closed: the same status."""
    for command, status in _cases(places):
        done = _sh(f"{command} > /dev/null {stderr}")
        assert done.returncode == status, (command, stderr, done.returncode)


def test_an_internal_error_is_still_1_with_stderr_full() -> None:
    script = ("import sys, insertadvisor.assessment as a\n"
              "def boom(*args, **kwargs): raise ZeroDivisionError('x')\n"
              "a.assess = boom\n"
              "from insertadvisor.cli import main\n"
              "sys.argv = ['insertadvisor', *sys.argv[1:]]\n"
              "main()\n")
    for stderr in ("2>/dev/full", "2>&-"):
        done = _sh(f"{sys.executable} -c \"{script}\" assess {' '.join(CORE_FLAGS)} {stderr}")
        assert done.returncode == 1


# --- 11. stdin ----------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "where"), [
    ("assess --answers - --json", "--answers stdin"),
    ("checkin --answers - --json", "--answers stdin"),
    ("batch", "batch stdin"),
    ("batch -", "batch stdin"),
    ("batch --format csv", "batch stdin"),
])
def test_a_closed_stdin_is_bad_input(args: str, where: str) -> None:
    done = _sh(f"{IA} {args} <&-")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"insertadvisor: error: {where}: cannot read it "
                                        "(stdin is closed)"]


# --- 11. stdout ---------------------------------------------------------------------------

OUTPUT_COMMANDS = [f"{ASSESS} --json", ASSESS, f"{IA} rules list", f"{IA} schema answers",
                   f"{IA} --version", f"{IA} batch -"]


@pytest.mark.parametrize("command", OUTPUT_COMMANDS)
@pytest.mark.parametrize(("stdout", "reason"), [(">/dev/full", "no space left on device"),
                                                (">&-", "stdout is closed")])
def test_a_full_or_closed_stdout_is_reported_as_such(command: str, stdout: str,
                                                     reason: str) -> None:
    done = _sh(f"echo '{GOOD}' | {command} {stdout}")
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[-1].startswith(
        f"insertadvisor: error: cannot write the output: {reason}")
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


def test_help_into_a_full_disk_is_reported_too() -> None:
    done = _sh(f"{IA} --help > /dev/full")
    assert done.returncode == 1
    assert done.stderr == "insertadvisor: error: cannot write the output: no space left " \
                          "on device\n"


# --- 11. a closed output pipe ---------------------------------------------------------------

def _closed_pipe(command: str) -> tuple[int, str]:
    """Run `command` with its stdout a pipe whose reader is gone before it writes."""
    process = subprocess.Popen(["/bin/sh", "-c", command], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # `| true`: nobody will read it
    stderr = process.stderr.read().decode()
    process.stderr.close()
    return process.wait(timeout=120), stderr


@pytest.mark.parametrize("command", [f"{ASSESS} --json", ASSESS, f"{IA} rules list",
                                     f"{IA} schema answers", f"{IA} rules check",
                                     f"{IA} --help"])
def test_a_normal_command_into_a_closed_pipe_exits_0_quietly(command: str) -> None:
    assert _closed_pipe(command) == (0, "")


@pytest.mark.parametrize("command", ["check", "test"])
def test_a_failing_rules_check_into_a_closed_pipe_still_fails(places: dict[str, Path],
                                                              command: str) -> None:
    status, _ = _closed_pipe(f"{IA} rules {command} {places['failing']}")
    assert status == 3


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def _run_into_closed_pipe(args: list[str]) -> int:
    env = Environment(stdin=io.StringIO(), stdout=_ClosedPipe(), stderr=io.StringIO(),
                      stdin_isatty=False, stdout_isatty=False, stderr_isatty=False,
                      environ=dict(os.environ))
    return int(run(args, env))


def test_a_failure_noted_before_writing_survives_a_closed_pipe(
        places: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The mechanism itself: a failure noted before writing is the exit status."""
    from insertadvisor.commands import rules

    real = rules.do_check

    def noting(env: Any, directory: Any, rules_option: Any, json_out: bool,
               *rest: Any) -> None:
        note_failure(ExitStatus.INVALID_RULES)
        real(env, directory, rules_option, json_out, *rest)

    monkeypatch.setattr(rules, "do_check", noting)
    assert _run_into_closed_pipe(["rules", "check", str(places["failing"])]) == 3
    assert _run_into_closed_pipe(["rules", "list"]) == 0  # a new run forgets it
    assert noted_failure() is None


# --- 12. --debug ----------------------------------------------------------------------------

def test_a_file_named_debug_is_an_answers_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("--debug").write_text("arch: high\n")
    result = run_cli(["assess", "--answers", "--debug", "--json", "--no-input",
                      "--overpronation", "no", "--leg-length-diff", "0", "--pain-weeks", "2"])
    assert result.status == 0, result.stderr
    assert '"arch": "high"' in result.stdout
    Path("--debug").write_text(GOOD + "\n")
    batch = run_cli(["batch", "--", "--debug"])  # after --, an argument
    assert batch.status == 0, batch.stderr
    assert batch.stdout.count('"kind":"assessment"') == 1


@pytest.mark.parametrize(("args", "kept", "debug"), [
    (["--debug", "assess"], ["assess"], True),
    (["assess", "--json", "--debug"], ["assess", "--json"], True),
    (["assess", "--answers", "--debug"], ["assess", "--answers", "--debug"], False),
    (["assess", "--answers=--debug", "--debug"], ["assess", "--answers=--debug"], True),
    (["assess", "--rules", "--debug", "--debug"], ["assess", "--rules", "--debug"], True),
    (["batch", "--", "--debug"], ["batch", "--", "--debug"], False),
    (["batch", "--debug", "--", "--debug"], ["batch", "--", "--debug"], True),
    (["assess", "--symptom", "--debug", "--symptom", "fever"],
     ["assess", "--symptom", "--debug", "--symptom", "fever"], False),
])
def test_debug_is_removed_only_where_it_is_a_flag(args: list[str], kept: list[str],
                                                  debug: bool) -> None:
    assert _take_debug(args, Environment()) == (kept, debug)


COMMANDS = {"assess": sorted(_value_options(["assess"], Environment())),
            "checkin": sorted(_value_options(["checkin"], Environment())),
            "batch": sorted(_value_options(["batch"], Environment())),
            "rules": sorted(_value_options(["rules"], Environment()))}
WORDS = st.sampled_from(["flat", "x.yaml", "-", "--debug", "--json", "3", "--", "check"])


@st.composite
def command_lines(draw: st.DrawFn) -> tuple[list[str], list[str], bool]:
    """(a command line, it without its --debug flags, whether it had one).

    Built from whole items - a --debug flag, an option with its value (which may be
    "--debug"), a flag, a word - then maybe `--` and anything: a flag is only ever put
    between items, so the expected result is known by construction.
    """
    command = draw(st.sampled_from(sorted(COMMANDS)))
    args, kept, debug = [command], [command], False
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["debug", "value", "flag", "word"]))
        if kind == "debug":
            args.append("--debug")
            debug = True
            continue
        if kind == "value":
            value = draw(WORDS)
            item = [draw(st.sampled_from(COMMANDS[command])), "x" if value == "--" else value]
        elif kind == "flag":
            item = [draw(st.sampled_from(["--json", "--no-input", "-h"]))]
        else:
            item = [draw(st.sampled_from(["flat", "check", "x.jsonl"]))]
        args += item
        kept += item
    if draw(st.booleans()):  # after --, everything is an argument, --debug too
        tail = ["--", *draw(st.lists(WORDS, max_size=3))]
        args += tail
        kept += tail
    return args, kept, debug


@SETTINGS
@given(command_lines())
def test_any_command_line_loses_exactly_its_debug_flags(
        case: tuple[list[str], list[str], bool]) -> None:
    args, kept, debug = case
    assert _take_debug(args, Environment()) == (kept, debug)
