"""`insertadvisor rules diff OLD NEW`: what changes for people between two rule sets.

Mechanics only, on the frozen fixture tests/rulesets/v1 and planted single edits of a
copy of it: each edit is found, and nothing else is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from insertadvisor.loading import load_ruleset
from insertadvisor.pipeline import run

from .conftest import run_cli
from .synthetic import plant

V1 = Path(__file__).resolve().parent / "rulesets" / "v1"
BROKEN = Path(__file__).resolve().parent / "rulesets" / "broken.yaml"

FEVER = """        when: {symptoms: {has: fever}}
        then:
          urgency: urgent"""
OVER_50 = """      - id: soon-new-pain-over-50
        when:
          age: {gte: 50}"""


def diff_json(old: Path, new: Path) -> dict[str, Any]:
    result = run_cli(["rules", "diff", str(old), str(new), "--json"])
    assert result.status == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def subjects(data: dict[str, Any]) -> set[str]:
    return {d["subject"] for d in data["differences"]}


def confirm(old: Path, new: Path, data: dict[str, Any]) -> None:
    """Each example, re-run through both engines, shows the stated old and new values;
    each is answers `assess --answers` accepts with the new rule set."""
    rulesets = (load_ruleset(old), load_ruleset(new))
    for d in data["differences"]:
        facts = [run(r, d["stage"], a).facts for r, a in
                 zip(rulesets, (d["old_example"], d["example"]), strict=True)]
        if d["what"] in ("referrals", "actions"):
            rule = (d["old"] or d["new"])["rule"]
            given = [rule in f[d["what"]] for f in facts]
            assert given == [d["old"] is not None, d["new"] is not None]
        else:
            assert [f[d["what"]] for f in facts] == [d["old"], d["new"]]
        assert d["cells"] > 0


def test_a_rule_set_against_itself_has_no_difference() -> None:
    data = diff_json(V1, V1)
    assert data["same"] is True
    assert data["differences"] == [] and data["questions"] == []
    plain = run_cli(["rules", "diff", str(V1), str(V1), "--exit-code"])
    assert plain.status == 0, plain.stderr
    assert "No difference." in plain.stdout


def test_a_level_raised_is_found_and_nothing_else(tmp_path: Path) -> None:
    new = plant(V1, tmp_path / "new", [("triage.yaml", FEVER,
                                        FEVER.replace("urgent", "emergency"))])
    data = diff_json(V1, new)
    assert subjects(data) == {"triage", "urgent-fever"}
    assert {d["direction"] for d in data["differences"]} == {"more_urgent"}
    assert {(d["old"], d["new"]) for d in data["differences"] if d["what"] == "triage"} == {
        ("urgent", "emergency")}
    confirm(V1, new, data)
    assert run_cli(["rules", "diff", str(V1), str(new), "--exit-code"]).status == 1


def test_a_level_lowered_is_less_urgent_listed_first_and_marked(tmp_path: Path) -> None:
    new = plant(V1, tmp_path / "new", [("triage.yaml", FEVER,
                                        FEVER.replace("urgent", "routine"))])
    data = diff_json(V1, new)
    assert data["differences"][0]["direction"] == "less_urgent"
    assert "more_urgent" not in {d["direction"] for d in data["differences"]}
    confirm(V1, new, data)
    text = run_cli(["rules", "diff", str(V1), str(new)]).stdout
    assert "LESS URGENT" in text and "! assess" in text


def test_a_threshold_moved_is_found_and_nothing_else(tmp_path: Path) -> None:
    new = plant(V1, tmp_path / "new", [("triage.yaml", OVER_50,
                                        OVER_50.replace("{gte: 50}", "{gte: 55}"))])
    data = diff_json(V1, new)
    assert "soon-new-pain-over-50" in subjects(data)
    assert subjects(data) <= {"triage", "soon-new-pain-over-50", "insert", "heel_lift"}
    for d in data["differences"]:
        assert 50 <= d["example"]["age"] < 55, d
    confirm(V1, new, data)


def test_a_rule_deleted_is_found_as_a_referral_no_longer_given(tmp_path: Path) -> None:
    text = (V1 / "triage.yaml").read_text(encoding="utf-8")
    start = text.index("      - id: urgent-weight-loss")
    end = text.index("      - id:", start + 1)
    new = tmp_path / "new"
    plant(V1, new, [])
    (new / "triage.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    data = diff_json(V1, new)
    lost = [d for d in data["differences"] if d["subject"] == "urgent-weight-loss"]
    assert len(lost) == 1 and lost[0]["new"] is None
    assert lost[0]["direction"] == "less_urgent"
    assert data["differences"][0]["direction"] == "less_urgent"
    assert subjects(data) <= {"triage", "urgent-weight-loss", "insert", "heel_lift"}
    confirm(V1, new, data)


def test_the_example_is_accepted_by_assess_with_the_new_rules(tmp_path: Path) -> None:
    new = plant(V1, tmp_path / "new", [("triage.yaml", FEVER,
                                        FEVER.replace("urgent", "emergency"))])
    data = diff_json(V1, new)
    for d in data["differences"]:
        answers = tmp_path / "answers.json"
        answers.write_text(json.dumps(d["example"]), encoding="utf-8")
        result = run_cli(["assess", "--rules", str(new), "--answers", str(answers), "--json"])
        assert result.status == 0, result.stderr


@pytest.mark.parametrize("which", [0, 1])
def test_a_missing_folder_fails_as_rules_check_does(tmp_path: Path, which: int) -> None:
    folders = [str(V1), str(V1)]
    folders[which] = str(tmp_path / "nowhere")
    result = run_cli(["rules", "diff", *folders])
    check = run_cli(["rules", "check", str(tmp_path / "nowhere")])
    assert result.status == check.status == 3
    assert result.stderr == check.stderr and "nowhere" in result.stderr


def test_an_invalid_rule_set_exits_3(tmp_path: Path) -> None:
    new = plant(V1, tmp_path / "new", [("triage.yaml", FEVER,
                                        FEVER.replace("urgent", "very_urgent"))])
    result = run_cli(["rules", "diff", str(V1), str(new)])
    assert result.status == 3
    assert "Traceback" not in result.stderr
