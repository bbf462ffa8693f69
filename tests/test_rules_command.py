"""`insertadvisor rules validate | check | test | list | show`, through the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import run_cli

MINIMAL = Path(__file__).resolve().parent / "rulesets" / "minimal"


def copy_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(MINIMAL, target)
    path = target / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return target


@pytest.mark.parametrize("command", ["validate", "check", "test"])
def test_the_default_rules_pass_each_command(command: str) -> None:
    result = run_cli(["rules", command])
    assert result.status == 0, result.stderr
    assert result.stderr == ""
    assert "insertadvisor-default" in result.stdout


@pytest.mark.parametrize("command", ["validate", "check", "test"])
def test_dir_argument_rules_option_and_environment_choose_the_same_rule_set(
        command: str) -> None:
    by_argument = run_cli(["rules", command, str(MINIMAL)])
    by_option = run_cli(["rules", command, "--rules", str(MINIMAL)])
    by_environment = run_cli(["rules", command],
                             environ={"INSERTADVISOR_RULES": str(MINIMAL)})
    for result in (by_argument, by_option, by_environment):
        assert result.status == 0, result.stderr
        assert "minimal 1.0" in result.stdout


def test_two_different_rule_sets_at_once_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["rules", "check", str(MINIMAL), "--rules", str(tmp_path)])
    assert result.status == 2
    assert "give one" in result.stderr


def test_check_prints_what_it_covered() -> None:
    result = run_cli(["rules", "check", str(MINIMAL)])
    out = result.stdout
    assert "combinations of answer classes" in out
    assert "pain_weeks: 0, 5, 5.5, 6, 7, 12, 13" in out  # every threshold, both sides
    assert "insert (first, " in out and "no gap; every rule can fire" in out
    assert "red-flag-is-emergency: holds" in out
    assert out.rstrip().endswith("invariants hold.")


def test_check_reports_a_gap_as_file_line_column_with_answers(tmp_path: Path) -> None:
    target = copy_with(tmp_path, "tables.yaml", "        priority: 5\n        when: always",
                       "        priority: 5\n        when: {arch: normal}")
    result = run_cli(["rules", "check", str(target)])
    assert result.status == 3
    first, summary = result.stderr.splitlines()
    prefix = f"{target}/tables.yaml:25:5: table `insert` (first) has a gap: no rule applies; " \
             "answers: "
    assert first.startswith(prefix)
    answers = json.loads(first[len(prefix):])
    assert answers["arch"] == "unknown"
    assert summary == "insertadvisor: rules check: 1 problem"
    assert "insert (first, 5 rules): a gap" in result.stdout


def test_check_reports_an_invariant_violation(tmp_path: Path) -> None:
    target = copy_with(tmp_path, "tables.yaml", "{urgency: emergency,", "{urgency: urgent,")
    result = run_cli(["rules", "check", str(target)])
    assert result.status == 3
    line = result.stderr.splitlines()[0]
    assert line.startswith(f"{target}/invariants.yaml:2:5: invariant `red-flag-is-emergency` "
                           "fails: when symptoms include red_flag, expected triage is "
                           "emergency, but got triage = urgent")
    assert '"symptoms": ["red_flag"]' in line
    assert "red-flag-is-emergency: FAILS" in result.stdout


def test_check_json(tmp_path: Path) -> None:
    target = copy_with(tmp_path, "tables.yaml", "{age: {lt: 16}}", "{age: {lt: 0}}")
    result = run_cli(["rules", "check", str(target), "--json"])
    assert result.status == 3
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["ruleset"]["name"] == "minimal"
    assert [(p["kind"], p["subject"], p["line"], p["column"]) for p in data["problems"]] == [
        ("shadowed", "insert-child", 34, 9)]
    assert data["combinations"] == sum(s["combinations"] for s in data["stages"])
    clean = json.loads(run_cli(["rules", "check", "--json"]).stdout)
    assert clean["ok"] is True and clean["problems"] == []


def test_test_shows_each_failure_as_a_difference(tmp_path: Path) -> None:
    target = copy_with(tmp_path, "tables.yaml", "{urgency: emergency,", "{urgency: urgent,")
    result = run_cli(["rules", "test", str(target)])
    assert result.status == 3
    assert result.stderr.splitlines() == [
        f'{target}/tests.yaml:6:7: test "red flag" (assess): triage: expected `emergency`, '
        "got `urgent`",
        "insertadvisor: rules test: 1 problem",
    ]
    assert result.stdout.startswith("FAIL assess: red flag\n3 tests: 2 passed, 1 failed")


def test_test_verbose_and_json() -> None:
    verbose = run_cli(["rules", "test", str(MINIMAL), "-v"])
    assert verbose.stdout.splitlines()[:3] == [
        "PASS assess: flat feet, two weeks", "PASS assess: red flag", "PASS checkin: tingling"]
    data = json.loads(run_cli(["rules", "test", str(MINIMAL), "--json"]).stdout)
    assert (data["ok"], data["passed"], data["failed"]) == (True, 3, 0)


def test_validate_json() -> None:
    data = json.loads(run_cli(["rules", "validate", str(MINIMAL), "--json"]).stdout)
    assert data["ok"] is True
    assert (data["tables"], data["invariants"], data["tests"]) == (9, 3, 3)
    assert len(data["ruleset"]["sha256"]) == 64


def test_list_names_every_rule_with_its_table_and_place() -> None:
    result = run_cli(["rules", "list", "--rules", str(MINIMAL)])
    assert result.status == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "TABLE", "WHERE"]
    assert lines[1].split() == ["foot_factor", "derived", "minimal/derived.yaml:2"]
    assert ["insert-child", "insert", "#2", "minimal/tables.yaml:34"] in \
        [line.split() for line in lines]
    assert lines[-1].split() == ["tingling-stops", "invariant", "(checkin)",
                                 "minimal/invariants.yaml:14"]
    data = json.loads(run_cli(["rules", "list", "--rules", str(MINIMAL), "--json"]).stdout)
    assert {"id": "insert-otc", "table": "insert #4"}.items() <= data[
        [d["id"] for d in data].index("insert-otc")].items()


def test_show_describes_one_rule_fully() -> None:
    result = run_cli(["rules", "show", "insert-custom", "--rules", str(MINIMAL)])
    assert result.status == 0
    assert result.stdout == (
        "insert-custom\n"
        "  table: insert #3\n"
        "  file: minimal/tables.yaml\n"
        "  line: 40\n"
        "  hit_policy: first\n"
        "  priority: 3\n"
        "  when: (foot_factor is true and pain_weeks ≥ 12)\n"
        "  then:\n"
        "    type: custom\n"
        "    summary: Custom.\n"
        "  source:\n"
        "    - A test source. https://example.org/test\n"
        "  evidence: guidance\n")
    invariant = json.loads(run_cli(["rules", "show", "tingling-stops", "--rules",
                                    str(MINIMAL), "--json"]).stdout)
    assert invariant["expect"] == "(triage is urgent and stop_wearing is true)"


def test_show_an_unknown_id_exits_2_with_a_suggestion() -> None:
    result = run_cli(["rules", "show", "insert-otc-fot", "--rules", str(MINIMAL)])
    assert result.status == 2
    assert "(did you mean `insert-otc`?)" in result.stderr
    assert result.stdout == ""


def test_rules_alone_shows_its_commands() -> None:
    result = run_cli(["rules"])
    assert result.status == 0
    for command in ("validate", "check", "test", "list", "show"):
        assert command in result.stdout


def test_an_invalid_rule_set_stops_every_rules_command_with_exit_3(tmp_path: Path) -> None:
    target = copy_with(tmp_path, "derived.yaml", "{arch: flat}", "{arch: flatt}")
    for args in (["check", str(target)], ["test", str(target)], ["list", "--rules", str(target)],
                 ["show", "x", "--rules", str(target)]):
        result = run_cli(["rules", *args])
        assert result.status == 3, args
        assert result.stderr.startswith(f"{target}/derived.yaml:3:18: `flatt` is not a value")


MINIMAL_ANSWERS = json.dumps({"arch": "flat", "pain_weeks": 2, "symptoms": [], "age": 30})
EVERY_COMMAND = [
    (["assess", "--answers", "-", "--json", "--no-input"], MINIMAL_ANSWERS),
    (["checkin", "--weeks-wearing", "1", "--json", "--no-input"], ""),
    (["batch", "-"], MINIMAL_ANSWERS + "\n"),
    (["schema", "answers"], ""),
    (["rules", "list"], ""),
    (["rules", "show", "insert-child"], ""),
    (["rules", "validate"], ""),
    (["rules", "check"], ""),
    (["rules", "test"], ""),
]


@pytest.mark.parametrize(("args", "stdin"), EVERY_COMMAND, ids=lambda a: " ".join(a)[:30])
def test_every_command_honours_rules_and_the_environment(args: list[str], stdin: str) -> None:
    by_option = run_cli([*args, "--rules", str(MINIMAL)], stdin=stdin)
    by_environment = run_cli(args, stdin=stdin, environ={"INSERTADVISOR_RULES": str(MINIMAL)})
    for result in (by_option, by_environment):
        assert result.status == 0, result.stderr
        out = result.stdout
        # the minimal rule set answers: its name, its files or its own questions
        assert "minimal" in out or "red_flag" in out, out[:300]
