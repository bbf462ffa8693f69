"""The report model: built once, and every format shows every section of it.

No renderer decides what a report holds: plain text, Markdown, HTML and SVG all format
report.build's sections, so a section the terminal shows (the rules that did not fire,
say) is in every saved format too.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest

from insertadvisor.answers import complete, parse_mapping
from insertadvisor.assessment import result
from insertadvisor.explain import not_fired
from insertadvisor.loading import load_ruleset
from insertadvisor.model import Ruleset
from insertadvisor.render.export import SUFFIXES, formatted
from insertadvisor.report import HEADINGS, SECTIONS, TOPIC_SECTIONS, build

from .conftest import run_cli

MINIMAL = Path(__file__).resolve().parent / "rulesets" / "minimal"


def _result(ruleset: Ruleset, stage: str, raw: dict[str, Any]) -> Any:
    questions = ruleset.questions[stage]
    answers = complete(questions, parse_mapping(questions, raw, "test"))
    done = result(ruleset, stage, answers)
    done["not_fired"] = not_fired(ruleset, stage, answers)
    return done


CASES = [("assess", {"arch": "flat", "pain_weeks": 8, "symptoms": ["numb", "foot_pain"],
                     "age": 60}),
         ("assess", {"arch": "flat", "pain_weeks": 8, "symptoms": ["red_flag"], "age": 60}),
         ("checkin", {"weeks_wearing": 3, "effects": ["sore"]})]


def test_the_report_declares_each_section_once_and_headings_cover_them() -> None:
    assert len(set(SECTIONS)) == len(SECTIONS)
    assert set(SECTIONS) <= set(HEADINGS) and set(TOPIC_SECTIONS) <= set(SECTIONS)


@pytest.mark.parametrize(("stage", "raw"), CASES)
@pytest.mark.parametrize("suffix", [s for s in SUFFIXES if s != ".json"])
def test_every_format_shows_every_section_of_the_report(stage: str, raw: dict[str, Any],
                                                        suffix: str) -> None:
    ruleset = load_ruleset(MINIMAL, use_cache=False)
    made = _result(ruleset, stage, raw)
    report = build(made, ruleset, explain=True, answers=True)
    text = formatted(suffix, made, ruleset, explain=True)
    if suffix in (".html", ".svg"):
        text = html.unescape(text).replace("\xa0", " ")
    flat = " ".join(text.split())
    assert report.section("not_fired") is not None
    for section in report.sections:
        if section.id != "main":
            assert section.heading in flat, (suffix, section.id)
        for entry in section.entries[:3]:
            assert entry.text.split()[0] in flat, (suffix, section.id, entry.text)
    assert report.level.label.upper() in flat.upper()


def test_lower_referrals_are_never_the_main_action() -> None:
    ruleset = load_ruleset(MINIMAL, use_cache=False)
    made = _result(ruleset, "assess", CASES[1][1])  # a red flag (emergency) and 6+ weeks
    report = build(made, ruleset)
    main, lower = report.section("main"), report.section("referrals")
    assert main is not None and lower is not None
    assert {e.level for e in main.entries} == {made["triage"]}
    assert made["triage"] not in {e.level for e in lower.entries}
    assert lower.heading == ruleset.report.headings["referrals_after_emergency"]


def test_one_place_to_go_is_one_action_with_every_reason() -> None:
    ruleset = load_ruleset(MINIMAL, use_cache=False)
    made = _result(ruleset, "assess", CASES[0][1])
    made["referrals"] = [{"urgency": "soon", "to": "GP", "reason": "One.", "rule": "a"},
                         {"urgency": "soon", "to": "GP", "reason": "Two.", "rule": "b"},
                         {"urgency": "soon", "to": "GP", "reason": "One.", "rule": "c"}]
    made["triage"] = "soon"
    main = build(made, ruleset).section("main")
    assert main is not None
    assert [(e.text, e.details) for e in main.entries] == [("GP", ("One.", "Two."))]


def test_explain_all_goes_into_a_saved_report_of_every_format(tmp_path: Path) -> None:
    for suffix in (".md", ".html", ".txt"):
        target = tmp_path / f"r{suffix}"
        done = run_cli(["assess", "--rules", str(MINIMAL), "--arch", "flat", "--pain-weeks",
                        "3", "--no-input", "--explain-all", "--output", str(target)])
        assert done.status == 0, done.stderr
        heading = load_ruleset(MINIMAL).report.headings["not_fired"]
        assert heading in html.unescape(target.read_text(encoding="utf-8")), suffix


def test_answers_are_only_in_saved_reports() -> None:
    ruleset = load_ruleset(MINIMAL, use_cache=False)
    made = _result(ruleset, "assess", CASES[0][1])
    assert build(made, ruleset).section("answers") is None
    assert build(made, ruleset, answers=True).section("answers") is not None
    assert json.loads(formatted(".json", made, ruleset)) == made


def test_a_list_inside_a_text_stays_a_list_in_every_format() -> None:
    ruleset = load_ruleset(MINIMAL, use_cache=False)
    made = _result(ruleset, "assess", CASES[0][1])
    made["advice"] = [{"text": "Get help if:\n- one thing\n- another thing\nThen rest.",
                       "rule": "x", "topic": "evidence"}]
    section = build(made, ruleset).section("evidence")
    assert section is not None
    assert [(e.text, e.details) for e in section.entries] == [
        ("Get help if:", ("one thing", "another thing")), ("Then rest.", ())]
    plain = formatted(".txt", made, ruleset)
    assert "  - Get help if:\n      - one thing\n      - another thing\n  - Then rest." in plain
    page = formatted(".html", made, ruleset)
    assert "Get help if:<ul><li>one thing</li><li>another thing</li></ul>" in page
