"""`insertadvisor batch`: one output line per input line, in order, errors as lines, exit 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from insertadvisor.answers import complete, parse_mapping
from insertadvisor.assessment import assess
from insertadvisor.batch import MAX_LINE_BYTES, run_batch
from insertadvisor.model import Ruleset
from insertadvisor.results import Assessment

from .conftest import V1, installed_command, run_cli, run_installed


@pytest.fixture(autouse=True)
def _frozen_rules(on_v1: Ruleset) -> None:
    """These tests are about mechanics: they run on the frozen v1 rule set."""


@pytest.fixture
def ruleset(on_v1: Ruleset) -> Ruleset:
    return on_v1

GOOD = {"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": None, "pain_weeks": 3}
URGENT = {"arch": "normal", "overpronation": "no", "leg_length_diff_mm": 0, "pain_weeks": 2,
          "symptoms": ["fever"], "age": 50}


def _expected(ruleset: Ruleset, raw: dict[str, Any]) -> Assessment:
    questions = ruleset.questions["assess"]
    return assess(ruleset, complete(questions, parse_mapping(questions, raw, "test")))


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_each_line_is_the_assess_json_of_its_record(ruleset: Ruleset) -> None:
    stdin = "\n".join(json.dumps(r) for r in (GOOD, URGENT)) + "\n"
    result = run_cli(["batch"], stdin)
    assert result.status == 0, result.stderr
    assert _lines(result.stdout) == [_expected(ruleset, GOOD), _expected(ruleset, URGENT)]
    assert result.stderr == ""


def test_output_matches_assess_json_exactly() -> None:
    single = run_cli(["assess", "--json", "--arch", "flat", "--overpronation", "yes",
                      "--leg-length-diff", "unknown", "--pain-weeks", "3"])
    batch = run_cli(["batch"], json.dumps(GOOD) + "\n")
    assert json.loads(batch.stdout) == json.loads(single.stdout)
    compact = json.dumps(json.loads(single.stdout), ensure_ascii=False, separators=(",", ":"))
    assert batch.stdout == compact + "\n"  # one compact line


BAD_RECORDS = [
    ("", "empty line"),
    ("   ", "empty line"),
    ("not json", "invalid JSON"),
    ("[1, 2]", "the record is a list"),
    ('"flat"', "the record is a single value"),
    ('{"arch": "flot", "overpronation": "yes", "leg_length_diff_mm": 0, "pain_weeks": 1}',
     "`arch`: 'flot' is not one of"),
    ('{"arch": "flat"}', "missing required keys overpronation, leg_length_diff_mm, pain_weeks"),
    ('{"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": 0, "pain_weeks": 1, '
     '"colour": "red"}', "unknown key 'colour'"),
    ('{"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": 0, "pain_weeks": -1}',
     "`pain_weeks`: -1 is out of range"),
    ('{"arch": 3, "overpronation": "yes", "leg_length_diff_mm": 0, "pain_weeks": 1}',
     "`arch`: expected one of"),
]


@pytest.mark.parametrize(("line", "message"), BAD_RECORDS)
def test_a_bad_record_is_an_error_line_and_the_batch_goes_on(line: str, message: str) -> None:
    stdin = f"{json.dumps(GOOD)}\n{line}\n{json.dumps(URGENT)}\n"
    result = run_cli(["batch"], stdin)
    out = _lines(result.stdout)
    assert [o["kind"] for o in out] == ["assessment", "error", "assessment"]
    assert out[1]["line"] == 2 and out[1]["schema_version"] == "1"
    assert set(out[1]) == {"schema_version", "kind", "line", "error"}
    assert message in out[1]["error"] and out[1]["error"].startswith("line 2: ")
    assert out[2]["triage"] == "urgent"
    assert result.status == 2
    assert "1 of 3 records rejected" in result.stderr


def test_line_numbers_count_every_input_line() -> None:
    stdin = "\n".join([json.dumps(GOOD), "", "x", json.dumps(GOOD), "{}"]) + "\n"
    out = _lines(run_cli(["batch"], stdin).stdout)
    assert [(o["kind"], o.get("line")) for o in out] == [
        ("assessment", None), ("error", 2), ("error", 3), ("assessment", None), ("error", 5)]


def test_last_line_without_newline_and_empty_input() -> None:
    assert len(_lines(run_cli(["batch"], json.dumps(GOOD)).stdout)) == 1
    empty = run_cli(["batch"], "")
    assert (empty.status, empty.stdout) == (0, "")


def test_yes_and_no_as_booleans_mean_yes_and_no(ruleset: Ruleset) -> None:
    record = dict(GOOD, overpronation=True)
    assert _lines(run_cli(["batch"], json.dumps(record)).stdout)[0]["answers"][
        "overpronation"] == "yes"


def test_over_long_line_is_rejected_without_holding_it(ruleset: Ruleset) -> None:
    huge = b'{"arch": "' + b"x" * (3 * MAX_LINE_BYTES) + b'"}\n'
    source = io.BytesIO(huge + json.dumps(GOOD).encode() + b"\n")
    out = io.StringIO()
    tally = run_batch(ruleset, source, out)
    lines = _lines(out.getvalue())
    assert (tally.records, tally.rejected) == (2, 1)
    assert "longer than" in lines[0]["error"] and lines[1]["kind"] == "assessment"


def test_invalid_utf8_is_one_error_line(ruleset: Ruleset) -> None:
    source = io.BytesIO(b'{"arch": "\xff"}\n' + json.dumps(GOOD).encode() + b"\n")
    out = io.StringIO()
    run_batch(ruleset, source, out)
    lines = _lines(out.getvalue())
    assert "UTF-8" in lines[0]["error"] and lines[1]["kind"] == "assessment"


def test_progress_is_reported_rarely(ruleset: Ruleset) -> None:
    seen: list[int] = []
    source = io.BytesIO((json.dumps(GOOD) + "\n").encode() * 10)
    run_batch(ruleset, source, io.StringIO(), progress=seen.append, every=4)
    assert seen == [4, 8]


# --- CSV --------------------------------------------------------------------------------

CSV = ("arch,overpronation,leg_length_diff_mm,pain_weeks,symptoms,age\n"
       "flat,yes,unknown,3,,\n"
       "normal,no,0,2,fever;night_pain,50\n"
       "high,no\n"
       "\n"
       "flat,yes,,3,,\n")


def test_csv_rows_are_assessed_with_symptoms_split_on_semicolons(ruleset: Ruleset) -> None:
    result = run_cli(["batch", "--format", "csv"], CSV)
    out = _lines(result.stdout)
    assert len(out) == 5
    assert out[0] == _expected(ruleset, GOOD)
    assert out[1]["answers"]["symptoms"] == ["fever", "night_pain"]
    assert out[1]["answers"]["age"] == 50
    assert (out[2]["kind"], out[2]["line"]) == ("error", 4)
    assert "2 cells, but the header has 6 columns" in out[2]["error"]
    assert (out[3]["kind"], out[3]["error"]) == ("error", "line 5: empty line")
    assert out[4]["answers"]["leg_length_diff_mm"] is None  # an empty cell is unknown
    assert result.status == 2


def test_csv_unknown_column_is_named(ruleset: Ruleset) -> None:
    out = _lines(run_cli(["batch", "--format", "csv"], "arch,archh\nflat,x\n").stdout)
    assert "unknown column 'archh'" in out[0]["error"] and out[0]["line"] == 2


def test_csv_chosen_by_suffix_through_the_installed_command(tmp_path: Path,
                                                            ruleset: Ruleset) -> None:
    path = tmp_path / "answers.CSV"
    path.write_text(CSV, encoding="utf-8-sig")  # a BOM, as spreadsheets write it
    done = run_installed(["batch", str(path)])
    out = _lines(done.stdout)
    assert done.returncode == 2
    assert out[0] == _expected(ruleset, GOOD)
    assert [o["kind"] for o in out] == ["assessment", "assessment", "error", "error",
                                        "assessment"]


def test_installed_csv_from_stdin(ruleset: Ruleset) -> None:
    done = run_installed(["batch", "--format", "csv", "-"], CSV)
    out = _lines(done.stdout)
    assert done.returncode == 2
    assert out[0] == _expected(ruleset, GOOD) and len(out) == 5


# --- the installed command ---------------------------------------------------------------


def test_installed_batch_reads_a_file_and_stdin(tmp_path: Path, ruleset: Ruleset) -> None:
    text = f"{json.dumps(GOOD)}\n{json.dumps(URGENT)}\n"
    path = tmp_path / "answers.jsonl"
    path.write_text(text)
    for args, stdin in ((["batch", str(path)], ""), (["batch", "-"], text), (["batch"], text)):
        done = run_installed(args, stdin)
        assert done.returncode == 0, done.stderr
        assert _lines(done.stdout) == [_expected(ruleset, GOOD), _expected(ruleset, URGENT)]
        assert done.stderr == ""  # stderr is not a terminal: no progress


def test_installed_batch_bad_record_exit_2_and_goes_on() -> None:
    done = run_installed(["batch"], f"{json.dumps(GOOD)}\nnope\n{json.dumps(GOOD)}\n")
    assert done.returncode == 2
    assert [o["kind"] for o in _lines(done.stdout)] == ["assessment", "error", "assessment"]
    assert done.stderr.strip() == ("insertadvisor: error: batch: 1 of 3 records rejected "
                                   "(see their error lines in the output)")


def test_installed_batch_missing_file_and_bad_format(tmp_path: Path) -> None:
    missing = run_installed(["batch", str(tmp_path / "nope.jsonl")])
    assert missing.returncode == 2 and "no such file" in missing.stderr
    bad = run_installed(["batch", "--format", "xml"], "")
    assert bad.returncode == 2 and "use jsonl or csv" in bad.stderr


def test_installed_batch_rules_option_and_invalid_rules(tmp_path: Path) -> None:
    done = run_installed(["batch", "--rules", str(tmp_path)], json.dumps(GOOD))
    assert done.returncode == 3 and "Traceback" not in done.stderr


def test_closed_stdout_is_a_quiet_exit(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text((json.dumps(GOOD) + "\n") * 20000)
    command = " ".join(installed_command())
    done = subprocess.run(f"{command} batch {path} | head -n 1", shell=True,
                          capture_output=True, text=True, timeout=120, check=False,
                          env=dict(os.environ))
    assert done.returncode == 0
    assert json.loads(done.stdout)["kind"] == "assessment"
    assert done.stderr == ""  # no traceback, no BrokenPipeError message


def test_progress_on_a_terminal_only(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    path = tmp_path / "many.jsonl"
    path.write_text((json.dumps(GOOD) + "\n") * 9000)
    command = installed_command()
    # stdout to a file, stderr left on the pseudo-terminal: the progress shows there.
    child = pexpect.spawn("/bin/sh", ["-c", f"{' '.join(command)} batch {path} > "
                                            f"{tmp_path / 'out.jsonl'}"],
                          encoding="utf-8", timeout=120, env=dict(os.environ, TERM="xterm"))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "records" in (child.before or "")
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 9000
    quiet = pexpect.spawn("/bin/sh", ["-c", f"{' '.join(command)} batch --no-progress {path} "
                                            f"> {tmp_path / 'out2.jsonl'}"],
                          encoding="utf-8", timeout=120)
    quiet.expect(pexpect.EOF)
    quiet.close()
    assert "records" not in (quiet.before or "")


def test_reading_from_a_terminal_says_how_to_end() -> None:
    result = run_cli(["batch"], json.dumps(GOOD) + "\n", tty=True)
    assert result.status == 0
    assert "end with Ctrl-D" in result.stderr and len(_lines(result.stdout)) == 1
    assert "Ctrl-D" not in run_cli(["batch"], json.dumps(GOOD)).stderr


def test_a_number_too_long_to_read_is_one_error_line() -> None:
    stdin = f'{json.dumps(GOOD)}\n{{"pain_weeks": {"9" * 5000}}}\n{json.dumps(GOOD)}\n'
    out = _lines(run_cli(["batch"], stdin).stdout)
    assert [o["kind"] for o in out] == ["assessment", "error", "assessment"]
    assert out[1]["error"] == "line 2: a number with too many digits"


@pytest.mark.parametrize("rules", ["packaged", str(V1),
                                   str(Path(__file__).parent / "rulesets" / "minimal")])
def test_help_names_the_required_keys_of_the_chosen_rule_set(rules: str) -> None:
    """The required keys in `batch --help` come from the rule set's questions, not Python."""
    from insertadvisor.commands.batch import required_keys
    from insertadvisor.loading import load_ruleset, packaged_rules_dir

    folder = packaged_rules_dir() if rules == "packaged" else Path(rules)
    questions = load_ruleset(folder).questions["assess"]
    required = [q.id for q in questions if q.required]
    done = run_installed(["batch", "--rules", str(folder), "--help"])
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert required and required_keys(questions) in text
    assert all(key in text for key in required)
