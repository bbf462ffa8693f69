"""Explanation and provenance: every fired rule is traced to its file, line, the facts that
made it fire and its source; --explain-all adds the first failed condition of the rest;
`ruleset` names the rule set, its version and a sha256 over its files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from insertadvisor.explain import not_fired
from insertadvisor.loading import load_ruleset
from insertadvisor.model import Ruleset

from .conftest import CORE_FLAGS, run_cli

# The rule ids and wording below are those of version 1 of the rules, a fixture that does
# not change when the default rules do.
V1 = Path(__file__).resolve().parent / "rulesets" / "v1"
CHRONIC = ["--arch", "flat", "--overpronation", "no", "--leg-length-diff", "6",
           "--pain-weeks", "13", "--age", "40", "--no-input", "--rules", str(V1)]


def v1() -> Ruleset:
    return load_ruleset(V1)


def assess_json(*args: str) -> dict[str, Any]:
    result = run_cli(["assess", *CHRONIC, "--json", *args])
    assert result.status == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_each_fired_rule_names_id_file_line_because_and_source() -> None:
    ruleset = v1()
    fired = assess_json()["fired_rules"]
    assert fired
    by_id = {r.id: r for r in ruleset.all_rules()}
    for entry in fired:
        assert set(entry) >= {"id", "file", "line", "because", "source"}
        rule = by_id[entry["id"]]
        assert entry["source"] == rule.source and entry["source"]
        assert entry["because"]
        # file:line is where the rule is written: that line holds its id
        text = (V1.parent / entry["file"]).read_text(encoding="utf-8").splitlines()
        assert f"id: {entry['id']}" in text[entry["line"] - 1]


def test_because_gives_the_fact_values_that_made_a_rule_fire() -> None:
    fired = {r["id"]: r["because"] for r in assess_json()["fired_rules"]}
    assert fired["routine-six-weeks"] == "pain_weeks = 13 (pain_weeks ≥ 6)"
    assert fired["routine-chronic-foot-factor"] == (
        "pain_weeks = 13 (pain_weeks ≥ 12); foot_factor = true")
    # of an `any`, the branch that held
    assert fired["insert-custom-after-otc"] == "foot_factor = true; pain_weeks = 13 " \
                                                "(pain_weeks ≥ 12)"
    assert fired["foot_factor"] == "arch = flat (arch is one of flat, high)"


def test_explain_shows_the_reasons_to_a_person() -> None:
    result = run_cli(["assess", *CHRONIC, "--explain"])
    assert result.status == 0
    text = " ".join(result.stdout.split())  # undo the wrapping
    headings = v1().report.headings
    assert headings["why"] in text
    assert "routine-six-weeks (v1/triage.yaml:" in text
    assert "pain_weeks = 13 (pain_weeks ≥ 6). Source: NHS. Back pain" in text
    assert headings["not_fired"] not in text


def test_explain_all_lists_the_rules_that_did_not_fire_with_the_first_failed_test() -> None:
    from insertadvisor.pipeline import STAGES

    ruleset = v1()
    data = assess_json("--explain-all")
    missed = {r["id"]: r for r in data["not_fired"]}
    fired = {r["id"] for r in data["fired_rules"]}
    stage_rules = [r.id for r in ruleset.derived["assess"]] + [
        r.id for t in STAGES["assess"].tables for r in ruleset.stage_tables["assess"][t].rules]
    assert sorted(fired | set(missed)) == sorted(stage_rules)
    assert not fired & set(missed)
    assert missed["soon-under-16"]["failed"] == "age < 16, but age = 40"
    assert missed["emergency-saddle-numbness"]["failed"].startswith(
        "symptoms include saddle_numbness, but symptoms = ")
    # a rule whose condition holds but that lost to an earlier rule of a first-hit table
    assert missed["insert-none-no-foot-factor"]["failed"] == (
        "it applies, but `insert-custom-after-otc` comes first in table `insert`")
    for entry in missed.values():
        assert set(entry) == {"id", "file", "line", "failed"} and entry["failed"]


def test_explain_all_text_lists_rules_that_did_not_fire() -> None:
    result = run_cli(["assess", *CHRONIC, "--explain-all"])
    text = " ".join(result.stdout.split())
    assert v1().report.headings["not_fired"] in text
    assert "soon-under-16 (v1/triage.yaml:" in text and "age < 16, but age = 40" in text


def test_not_fired_covers_checkin_too() -> None:
    missed = {r["id"]: r["failed"] for r in not_fired(
        v1(), "checkin", {"weeks_wearing": 1, "effects": ["improved"]})}
    assert missed["checkin-numbness"] == (
        "effects include numbness_tingling, but effects = {improved}")


def test_every_output_names_the_rule_set_its_version_and_sha256(ruleset: Ruleset) -> None:
    digest = hashlib.sha256()
    for path in sorted(V1.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    ruleset = v1()
    expected = {"name": ruleset.name, "version": ruleset.version,
                "sha256": digest.hexdigest()}
    assert assess_json()["ruleset"] == expected
    checkin = run_cli(["checkin", "--weeks-wearing", "1", "--json", "--no-input", "--rules",
                       str(V1)])
    assert json.loads(checkin.stdout)["ruleset"] == expected
    assert expected["sha256"] in run_cli(["assess", *CORE_FLAGS, "--rules", str(V1)]).stdout


def test_any_change_to_a_rule_file_changes_the_sha256(rules_copy: Path) -> None:
    before = load_ruleset(rules_copy).sha256
    path = rules_copy / "advice.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    after = load_ruleset(rules_copy).sha256
    assert before != after
    result = run_cli(["assess", *CORE_FLAGS, "--json", "--rules", str(rules_copy)])
    assert json.loads(result.stdout)["ruleset"]["sha256"] == after
