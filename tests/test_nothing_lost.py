"""Nothing lost (issue 5, part 4): --output is atomic, batch keeps one line per input line
and stops quietly on a closed pipe, and an internal error is one line (the traceback only
under --debug).

The atomic write is tested by killing real processes: at random moments (SIGKILL and
SIGINT), and at the two moments that matter, found by a test-only wrapper that runs the
command in a child process and pauses it inside os.fsync (written, not yet renamed) or
just after os.replace. The product has no hook for this.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insertadvisor.cli import report_to

from .conftest import CORE_FLAGS, installed_command, run_cli

REPORT_ARGS = ["assess", "--arch", "flat", "--overpronation", "yes", "--leg-length-diff", "7",
               "--pain-weeks", "14", "--symptom", "foot_pain", "--age", "55", "--explain-all"]
OLD = "<html>the previous report, complete</html>\n"
GOOD = {"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": None, "pain_weeks": 3}


# --- --output: atomic replace ----------------------------------------------------------

def _new_report(folder: Path, name: str) -> str:
    """The complete report a finished run writes (the reference for every kill test)."""
    target = folder / name
    done = subprocess.run([*installed_command(), *REPORT_ARGS, "--output", str(target)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    text = target.read_text()
    target.unlink()
    return text


def _leftovers(folder: Path, name: str) -> list[Path]:
    return [p for p in folder.iterdir() if p.name != name and p.name.startswith(f".{name}.")]


def _assert_whole(target: Path, new: str) -> None:
    text = target.read_text()
    assert text in (OLD, new), f"a partial report: {len(text)} characters"


@pytest.mark.parametrize("name", ["report.html", "report.json"])
def test_killed_at_random_moments_the_report_is_old_or_new_never_partial(
        tmp_path: Path, name: str) -> None:
    new = _new_report(tmp_path, name)
    target = tmp_path / name
    rng = random.Random(5)
    started = time.monotonic()
    probe = subprocess.run([*installed_command(), *REPORT_ARGS, "--output", str(target)],
                           capture_output=True, timeout=60, check=False)
    assert probe.returncode == 0
    runtime = time.monotonic() - started
    for attempt in range(12):
        target.write_text(OLD)
        process = subprocess.Popen([*installed_command(), *REPORT_ARGS, "--output",
                                    str(target)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.1) * runtime)  # spread over the whole run
        sig = signal.SIGKILL if attempt % 2 == 0 else signal.SIGINT
        process.send_signal(sig)
        process.wait(timeout=60)
        _assert_whole(target, new)
        # a temporary file may survive SIGKILL (nothing can clean it), but it never is the
        # report: it is hidden, named after it, and the target is whole beside it
        for left in _leftovers(tmp_path, name):
            assert left.name.endswith(".tmp")
            left.unlink()
    # after all that, a run that is left alone writes the new report and nothing else
    target.write_text(OLD)
    done = subprocess.run([*installed_command(), *REPORT_ARGS, "--output", str(target)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert target.read_text() == new
    assert _leftovers(tmp_path, name) == []


PAUSE_IN = r"""
import os, sys, time
from insertadvisor.cli import run

where = sys.argv[1]
real_fsync, real_replace = os.fsync, os.replace

def pause(label):
    sys.stderr.write(label + "\n")
    sys.stderr.flush()
    time.sleep(60)

def fsync(fd):
    real_fsync(fd)
    if where == "fsync":
        pause("PAUSED-AFTER-WRITE")

def replace(src, dst, *args, **kwargs):
    real_replace(src, dst, *args, **kwargs)
    if where == "replace":
        pause("PAUSED-AFTER-RENAME")

os.fsync, os.replace = fsync, replace
sys.exit(run(sys.argv[2:]))
"""


@pytest.mark.parametrize(("where", "marker", "expect_new"), [
    ("fsync", "PAUSED-AFTER-WRITE", False),
    ("replace", "PAUSED-AFTER-RENAME", True),
])
def test_killed_between_write_and_rename(tmp_path: Path, where: str, marker: str,
                                         expect_new: bool) -> None:
    name = "report.html"
    new = _new_report(tmp_path, name)
    target = tmp_path / name
    target.write_text(OLD)
    process = subprocess.Popen([sys.executable, "-c", PAUSE_IN, where, *REPORT_ARGS,
                                "--output", str(target)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()  # waits until the child is paused there
        assert line.strip() == marker
        temps = _leftovers(tmp_path, name)
        if where == "fsync":  # the whole report is in a temporary file, not yet renamed
            assert len(temps) == 1
            assert temps[0].read_text() == new
        process.kill()
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        if process.stderr is not None:
            process.stderr.close()
    assert target.read_text() == (new if expect_new else OLD)


def test_output_that_cannot_be_written_leaves_the_old_file(tmp_path: Path) -> None:
    folder = tmp_path / "report.html"
    folder.mkdir()
    result = run_cli([*REPORT_ARGS, "--output", str(folder)])
    assert result.status == 2
    assert result.stderr.splitlines() == [f"insertadvisor: error: --output {folder}: is a "
                                          "folder; give a file name"]
    assert list(tmp_path.iterdir()) == [folder]  # no temporary file left beside it


def test_output_is_written_only_after_the_answers_are_valid(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text(OLD)
    result = run_cli(["assess", "--arch", "flatt", "--overpronation", "yes",
                      "--leg-length-diff", "0", "--pain-weeks", "2", "--output", str(target)])
    assert result.status == 2
    assert target.read_text() == OLD
    assert _leftovers(tmp_path, "report.md") == []


# --- batch: one line out per line in ---------------------------------------------------

def _lines_in() -> list[str]:
    good = json.dumps(GOOD)
    return [
        good,
        "not json",
        "",
        "   ",
        "[1, 2]",
        '"just a string"',
        json.dumps({**GOOD, "arch": "flatt"}),
        json.dumps({**GOOD, "pain_weeks": float("nan")}),
        '{"pain_weeks": 1e400}',
        json.dumps({**GOOD, "symptoms": ["chest_pain"]}),
        json.dumps({**GOOD, "extra": 1}),
        "{" * 50_000,
        json.dumps({k: v for k, v in GOOD.items() if k != "arch"}),
        good + good,
        "\u2028" + good,
        good,
    ]


def _check_batch_output(lines_in: list[str], stdout: str) -> list[dict[str, Any]]:
    out = stdout.split("\n")
    assert out[-1] == ""  # every line ends with a newline
    out = out[:-1]
    assert len(out) == len(lines_in), (len(out), len(lines_in))
    records = [json.loads(line) for line in out]
    for number, record in enumerate(records, 1):
        assert record["schema_version"] == "1"
        assert record["kind"] in ("assessment", "error")
        if record["kind"] == "error":
            assert record["line"] == number
            assert record["error"] and "\n" not in record["error"]
    return records


def test_batch_writes_exactly_one_line_per_input_line_even_when_records_fail() -> None:
    lines_in = _lines_in()
    result = run_cli(["batch"], "\n".join(lines_in) + "\n")
    records = _check_batch_output(lines_in, result.stdout)
    kinds = [r["kind"] for r in records]
    assert kinds[0] == kinds[-1] == kinds[9] == "assessment"
    assert records[9]["triage"] == "emergency"
    assert kinds.count("error") == len(lines_in) - 3
    assert result.status == 2  # some records were rejected; the batch still finished
    assert "Traceback" not in result.stderr


def test_a_record_with_a_5000_digit_number_is_one_error_line() -> None:
    good = json.dumps(GOOD)
    lines_in = [good, '{"pain_weeks": ' + "9" * 5000 + "}", good]
    result = run_cli(["batch"], "\n".join(lines_in) + "\n")
    records = _check_batch_output(lines_in, result.stdout)
    assert [r["kind"] for r in records] == ["assessment", "error", "assessment"]
    assert result.status == 2


def test_batch_through_a_real_process_with_binary_and_crlf_lines(tmp_path: Path) -> None:
    good = json.dumps(GOOD).encode()
    data = b"\r\n".join([good, b"\xff\xfe\x00\x01", good, b"\x00" * 10, good]) + b"\r\n"
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    done = subprocess.run([*installed_command(), "batch", str(path)], capture_output=True,
                          timeout=60, check=False)
    records = _check_batch_output(["", "", "", "", ""], done.stdout.decode())
    assert [r["kind"] for r in records] == ["assessment", "error", "assessment", "error",
                                            "assessment"]
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr


def test_batch_without_a_final_newline_still_answers_the_last_line() -> None:
    good = json.dumps(GOOD)
    result = run_cli(["batch"], f"{good}\n{good}")
    assert result.status == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_an_empty_batch_writes_nothing() -> None:
    result = run_cli(["batch"], "")
    assert (result.status, result.stdout) == (0, "")


line_texts = st.one_of(
    st.just(json.dumps(GOOD)),
    st.dictionaries(st.sampled_from([*GOOD, "symptoms", "age", "bogus"]),
                    st.one_of(st.none(), st.integers(-5, 200), st.text(max_size=6),
                              st.sampled_from(["flat", "yes", "unknown"]),
                              st.lists(st.sampled_from(["fever", "fevr"]), max_size=2)),
                    max_size=6).map(json.dumps),
    st.text(max_size=30).map(lambda s: s.replace("\n", " ").replace("\r", " ")),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line_texts, min_size=1, max_size=15))
def test_any_batch_keeps_one_line_per_input_line(lines_in: list[str]) -> None:
    result = run_cli(["batch"], "\n".join(lines_in) + "\n")
    assert result.status in (0, 2), result.stderr
    assert "Traceback" not in result.stderr
    records = _check_batch_output(lines_in, result.stdout)
    assert (result.status == 2) == any(r["kind"] == "error" for r in records)


def _many_records(count: int) -> bytes:
    return ((json.dumps(GOOD) + "\n") * count).encode()


def test_batch_exits_quietly_when_its_output_pipe_closes_early(tmp_path: Path) -> None:
    """`insertadvisor batch big.jsonl | head -1`: no traceback, no message, exit 0."""
    path = tmp_path / "big.jsonl"
    path.write_bytes(_many_records(50_000))
    process = subprocess.Popen([*installed_command(), "batch", str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    assert json.loads(first)["kind"] == "assessment"
    process.stdout.close()  # like `head -1` exiting
    stderr = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=60) == 0
    assert stderr == b""


def test_a_closed_pipe_through_the_shell_is_quiet_too(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(_many_records(20_000))
    command = " ".join(installed_command())
    done = subprocess.run(["/bin/sh", "-c", f"{command} batch '{path}' | head -n 2 "
                           f"> /dev/null; echo \"status=$?\""], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.stderr == ""
    shell = subprocess.run(["/bin/bash", "-c", f"set -o pipefail; {command} batch '{path}' "
                            "| head -n 2 > /dev/null"], capture_output=True, text=True,
                           timeout=60, check=False)
    assert shell.returncode == 0, shell.stderr
    assert shell.stderr == ""


def test_a_report_into_a_closed_pipe_is_quiet() -> None:
    command = " ".join(installed_command())
    done = subprocess.run(["/bin/bash", "-c", f"set -o pipefail; {command} "
                           f"{' '.join(REPORT_ARGS)} | head -c 10 > /dev/null"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


# --- an unexpected internal error ------------------------------------------------------

def _explode(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("the engine fell over\nwith a second line")


def test_an_internal_error_is_one_line_with_how_to_report_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("insertadvisor.assessment.result", _explode)
    result = run_cli(["assess", *CORE_FLAGS, "--json"])
    assert result.status == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith("insertadvisor: internal error: RuntimeError: the engine fell "
                           "over with a second line.")
    assert report_to() in line
    assert "--debug" in line


@pytest.mark.parametrize("how", [["--debug"], []])
def test_the_traceback_only_under_debug(monkeypatch: pytest.MonkeyPatch,
                                        how: list[str]) -> None:
    monkeypatch.setattr("insertadvisor.assessment.result", _explode)
    environ = {} if how else {"INSERTADVISOR_DEBUG": "1"}
    result = run_cli([*how, "assess", *CORE_FLAGS, "--json"], environ=environ)
    assert result.status == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "_explode" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("insertadvisor: internal error: "
                                                     "RuntimeError")


def test_an_internal_error_without_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def empty(*args: Any, **kwargs: Any) -> Any:
        raise KeyError

    monkeypatch.setattr("insertadvisor.assessment.assess", empty)
    result = run_cli(["assess", *CORE_FLAGS])
    assert result.status == 1
    assert result.stderr.startswith("insertadvisor: internal error: KeyError. This is a bug")


def test_an_internal_error_in_a_batch_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash inside one record is still one line and exit 1, never a traceback."""
    monkeypatch.setattr("insertadvisor.batch.assess", _explode)
    result = run_cli(["batch"], json.dumps(GOOD) + "\n")
    assert result.status == 1
    assert "Traceback" not in result.stderr
    assert "internal error" in result.stderr.splitlines()[-1]


def test_an_internal_error_in_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    """The console script itself: an internal error from the real entry point."""
    script = ("import sys, insertadvisor.assessment as a\n"
              "def boom(*args, **kwargs): raise ZeroDivisionError('division by zero')\n"
              "a.assess = boom\n"
              "from insertadvisor.cli import main\n"
              "sys.argv = ['insertadvisor', *sys.argv[1:]]\n"
              "main()\n")
    done = subprocess.run([sys.executable, "-c", script, "assess", *CORE_FLAGS],
                          capture_output=True, text=True, timeout=60, check=False,
                          env=dict(os.environ, INSERTADVISOR_DEBUG=""))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_ctrl_c_during_a_batch_leaves_whole_lines_and_one_message(tmp_path: Path) -> None:
    """Interrupted mid-stream: exit 130, one line on stderr, every output line complete."""
    source = tmp_path / "big.jsonl"
    source.write_bytes(_many_records(400_000))
    for attempt in range(3):
        out = tmp_path / f"out{attempt}.jsonl"
        with out.open("wb") as sink:
            process = subprocess.Popen([*installed_command(), "batch", str(source)],
                                       stdout=sink, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 60
            while out.stat().st_size < 100_000 * (attempt + 1):  # it is well under way
                assert process.poll() is None, "the batch finished before it was interrupted"
                assert time.monotonic() < deadline
                time.sleep(0.01)
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=60)
        assert process.returncode == 130
        assert stderr.decode() == "insertadvisor: interrupted\n"
        text = out.read_text()
        assert text.endswith("\n")
        lines = text.splitlines()
        assert 0 < len(lines) < 400_000
        for line in lines:
            assert json.loads(line)["kind"] == "assessment"
