"""`--output FILE`: every format, chosen by suffix, written atomically, safe HTML."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from insertadvisor.answers import complete, parse_mapping
from insertadvisor.assessment import assess, checkin
from insertadvisor.errors import OutputError
from insertadvisor.loading import load_ruleset
from insertadvisor.model import Ruleset
from insertadvisor.render import export
from insertadvisor.results import Assessment

from .conftest import CORE_FLAGS, V1, run_cli, run_installed


@pytest.fixture(autouse=True)
def _frozen_rules(on_v1: Ruleset) -> None:
    """These tests are about mechanics: they run on the frozen v1 rule set."""


@pytest.fixture
def ruleset(on_v1: Ruleset) -> Ruleset:
    return on_v1

FOOT = ["--arch", "flat", "--overpronation", "yes", "--leg-length-diff", "6",
        "--pain-weeks", "8", "--symptom", "foot_pain", "--age", "45"]


def _assessment(ruleset: Ruleset, **raw: Any) -> Assessment:
    base = {"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": 6, "pain_weeks": 8,
            "symptoms": ["foot_pain"]} | raw
    questions = ruleset.questions["assess"]
    return assess(ruleset, complete(questions, parse_mapping(questions, base, "test")))


class _Page(HTMLParser):
    """Collects the tags, the external references and the visible text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.refs += [v or "" for k, v in attrs if k in ("src", "href")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_html_report_holds_what_a_clinician_needs(ruleset: Ruleset) -> None:
    result = _assessment(ruleset)
    html = export.formatted(".html", result, ruleset)
    page = _page(html)
    text = " ".join(" ".join(page.text).split())
    assert html.startswith("<!DOCTYPE html>")
    assert "script" not in page.tags and page.refs == []  # self-contained
    assert "@media print" in html
    level = ruleset.level(result["triage"])
    assert level.label in text and level.message in text
    for referral in result["referrals"]:
        assert referral["to"] in text and referral["reason"] in text
    assert result["insert"]["label"] in text and result["insert"]["summary"] in text
    for feature in result["insert"]["features"]:
        assert feature in text
    for advice in result["advice"]:  # self-care, safety net and the evidence note
        assert " ".join(advice["text"].split()) in text
    headings = ruleset.report.headings
    assert headings["answers"] in text and "flat or low arch" in text and "6 mm" in text
    foot_pain = next(i for i in ruleset.question("assess", "symptoms").items
                     if i.id == "foot_pain")
    assert f"{foot_pain.prompt}: {headings['yes']}" in text
    assert result["disclaimer"] in text
    info = result["ruleset"]
    assert info["name"] in text and info["version"] in text and info["sha256"] in text
    from datetime import date

    assert date.today().isoformat() in html  # in the title: the printed date


def test_html_answers_read_as_a_person_wrote_them(ruleset: Ruleset) -> None:
    result = _assessment(ruleset, pain_weeks=1, symptoms=["fever", "foot_pain"], age=None)
    html = export.formatted(".html", result, ruleset)
    text = " ".join(" ".join(_page(html).text).split())
    assert "1 week<" in html and "1 weeks" not in text
    assert ruleset.report.headings["unknown"] in text
    items = ruleset.question("assess", "symptoms").items
    words = ruleset.report.headings
    said = [f"{i.prompt}: {words['yes' if i.id in ('fever', 'foot_pain') else 'no']}"
            for i in items]
    assert all(line in text for line in said)  # every warning sign, yes or no


def test_html_escapes_every_text(ruleset: Ruleset) -> None:
    result = _assessment(ruleset)
    result["disclaimer"] = "<script>alert(1)</script> & more"
    result["insert"]["summary"] = "<img src=x onerror=alert(1)>"
    result["referrals"] = [{"urgency": "routine", "to": "<b>x</b>", "reason": "\"'<>",
                            "rule": "r"}]
    html = export.formatted(".html", result, ruleset)
    page = _page(html)
    assert "script" not in page.tags and "img" not in page.tags and page.refs == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_html_checkin_report(ruleset: Ruleset) -> None:
    questions = ruleset.questions["checkin"]
    result = checkin(ruleset, complete(questions, parse_mapping(
        questions, {"weeks_wearing": 2, "effects": ["numbness_tingling"]}, "test")))
    text = " ".join(_page(export.formatted(".html", result, ruleset)).text)
    headings = ruleset.report.headings
    assert headings["stop_wearing"] in text and headings["title_checkin"] in text
    assert all(i.prompt in text for i in ruleset.question("checkin", "effects").items)


@pytest.mark.parametrize("suffix", [".html", ".svg", ".md", ".txt", ".json", ".HTML"])
def test_installed_output_writes_each_format(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"report{suffix}"
    done = run_installed(["assess", *FOOT, "--json", "--output", str(target)])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["kind"] == "assessment"  # stdout is unchanged
    text = target.read_text(encoding="utf-8")
    kind = suffix.lower()
    if kind == ".json":
        assert json.loads(text) == json.loads(done.stdout)
    elif kind == ".svg":
        root = ET.fromstring(text)
        assert root.tag.endswith("svg") and "podiatrist" in text
    elif kind == ".html":
        assert "<!DOCTYPE html>" in text and "podiatrist" in text
    elif kind == ".md":
        headings = load_ruleset(V1).report.headings
        assert text.startswith(f"# {headings['title_assessment']}")
        assert f"## {headings['insert']}" in text
    else:
        assert text.startswith("ROUTINE:") and "\x1b" not in text
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temp file left


def test_installed_checkin_output(tmp_path: Path) -> None:
    target = tmp_path / "checkin.html"
    done = run_installed(["checkin", "--weeks-wearing", "3", "--effect", "arch_discomfort",
                          "--output", str(target)])
    assert done.returncode == 0, done.stderr
    assert "Foot inserts: check-in" in target.read_text()


def test_explain_goes_into_the_report(tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    assert run_cli(["assess", *CORE_FLAGS, "--explain", "--output", str(target)]).status == 0
    assert "## Why (the rules that fired)" in target.read_text()


def test_unknown_suffix_is_refused_before_any_question(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    result = run_cli(["assess", "--output", str(target)], "", tty=True)
    assert result.status == 2
    assert ".html, .svg, .md, .txt, .json" in result.stderr and "'.pdf'" in result.stderr
    assert "arch" not in result.stderr.lower()  # no prompt was shown
    assert not target.exists()
    done = run_installed(["assess", *CORE_FLAGS, "--output", str(tmp_path / "noext")])
    assert done.returncode == 2 and "no suffix" in done.stderr


def test_unwritable_targets_are_input_errors(tmp_path: Path) -> None:
    missing = run_cli(["assess", *CORE_FLAGS, "--output", str(tmp_path / "no" / "r.txt")])
    assert missing.status == 2 and "does not exist" in missing.stderr
    (tmp_path / "dir.txt").mkdir()
    folder = run_cli(["assess", *CORE_FLAGS, "--output", str(tmp_path / "dir.txt")])
    assert folder.status == 2 and "is a folder" in folder.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.txt"]  # no temp debris


def test_write_is_atomic_and_cleans_up_on_failure(tmp_path: Path, ruleset: Ruleset,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.txt"
    target.write_text("old report")

    def fail(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    # a full disk is not bad input: OutputError, exit 1 (reliability issue, item 9)
    with pytest.raises(OutputError, match="cannot write it \\(no space left on device\\)"):
        export.write_report(target, _assessment(ruleset), ruleset)
    assert target.read_text() == "old report"  # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["r.txt"]


def test_written_file_has_ordinary_permissions(tmp_path: Path, ruleset: Ruleset) -> None:
    target = tmp_path / "r.json"
    old = os.umask(0o022)
    try:
        export.write_report(target, _assessment(ruleset), ruleset)
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644


def test_markdown_escapes_markup(ruleset: Ruleset) -> None:
    result = _assessment(ruleset)
    result["disclaimer"] = "a *b* [c](d) | e"
    assert r"a \*b\* \[c\](d) \| e" in export.formatted(".md", result, ruleset)
