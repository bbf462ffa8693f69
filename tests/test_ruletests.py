"""`rules test`: the cases kept with the rules pass, and a failure reads as a difference."""

from __future__ import annotations

import shutil
from pathlib import Path

from insertadvisor.loading import load_ruleset
from insertadvisor.model import Ruleset
from insertadvisor.ruletests import difference, run_case, run_tests

MINIMAL = Path(__file__).resolve().parent / "rulesets" / "minimal"


def test_every_case_of_the_default_rules_passes(ruleset: Ruleset) -> None:
    results = run_tests(ruleset)
    assert len(results) == sum(len(cases) for cases in ruleset.tests.values()) > 20
    assert [r.name for r in results if not r.passed] == []
    assert {r.stage for r in results} == {"assess", "checkin"}


def test_cases_know_where_they_are_written(ruleset: Ruleset) -> None:
    first = run_tests(ruleset)[0]
    assert first.file.endswith("tests.yaml")
    text = (Path(__file__).resolve().parent.parent / "rules" / "tests.yaml").read_text()
    assert first.name in text.splitlines()[first.line - 1]


def test_a_wrong_expectation_shows_what_differs() -> None:
    ruleset = load_ruleset(MINIMAL, use_cache=False)
    case = {"name": "x", "answers": {"arch": "flat", "pain_weeks": 2},
            "expect": {"triage": "routine", "insert": "otc", "heel_lift": True},
            "file": "rules/tests.yaml", "line": 7, "column": 5}
    result = run_case(ruleset, "assess", case)
    assert not result.passed
    assert result.differences == ["triage: expected `routine`, got `self_care`",
                                  "heel_lift: expected true, got false"]
    assert (result.file, result.line, result.column) == ("rules/tests.yaml", 7, 5)


def test_list_differences_name_what_is_missing_and_what_is_extra() -> None:
    assert difference("referrals", ["a", "b"], ["a", "c"], "list") == (
        "referrals: expected [a, b], got [a, c] (missing b; unexpected c)")
    assert difference("actions", ["a", "b"], ["b", "a"], "list") == (
        "actions: expected [a, b], got [b, a] (same rules, different order)")
    assert difference("referrals", [], [], "list") is None
    assert difference("insert", "otc", "custom", "equal") == \
        "insert: expected `otc`, got `custom`"


def test_includes_needs_only_the_ids_named() -> None:
    assert difference("advice", ["a"], ["b", "a", "c"], "includes") is None
    assert difference("advice", ["a", "d"], ["b", "a"], "includes") == \
        "advice: missing d (got [b, a])"


def test_text_includes_reads_the_rendered_result() -> None:
    ruleset = load_ruleset(MINIMAL, use_cache=False)
    answers = {"arch": "flat", "pain_weeks": 8, "symptoms": [], "age": 30}
    good = run_case(ruleset, "assess", {"name": "t", "answers": answers,
                                        "expect": {"text_includes": ["Store-bought."]}})
    assert good.passed, good.differences
    bad = run_case(ruleset, "assess", {"name": "t", "answers": answers,
                                       "expect": {"text_includes": ["Not said anywhere"]}})
    assert bad.differences == ["text_includes: 'Not said anywhere' is not in the result"]


def test_a_checkin_case_compares_actions_and_stop() -> None:
    ruleset = load_ruleset(MINIMAL, use_cache=False)
    case = {"name": "y", "answers": {"weeks_wearing": 1, "effects": ["tingling"]},
            "expect": {"stop_wearing": False, "actions": ["checkin-carry-on"]}}
    result = run_case(ruleset, "checkin", case)
    assert result.differences == [
        "stop_wearing: expected false, got true",
        "actions: expected [checkin-carry-on], got [checkin-tingling] "
        "(missing checkin-carry-on; unexpected checkin-tingling)",
    ]


def test_a_rule_change_that_breaks_a_kept_case_is_caught(tmp_path: Path) -> None:
    target = tmp_path / "rules"
    shutil.copytree(MINIMAL, target)
    tables = target / "tables.yaml"
    tables.write_text(tables.read_text().replace("{urgency: emergency,", "{urgency: urgent,"))
    failed = [r for r in run_tests(load_ruleset(target, use_cache=False)) if not r.passed]
    assert [(r.name, r.differences) for r in failed] == [
        ("red flag", ["triage: expected `emergency`, got `urgent`"]),
    ]
    assert failed[0].line == 6
