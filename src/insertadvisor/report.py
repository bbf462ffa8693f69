"""The report for a person, built once from a result: typed sections that every renderer
(plain text, Rich, Markdown, HTML, SVG) only formats.

How it is composed: the main action is the triage level's message with the referrals at
that level, one entry per place to go (`to`) with all its reasons; referrals at lower
levels follow in their own section, never as the main action; then the insert (or, at a
check-in, what to do), self-care, the safety net and the evidence, each advice text in the
section its topic names (rule data: ruleset.yaml `report.topics`). Headings and the few
words the report adds are rule data too (`report.headings`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from insertadvisor.assessment import Wording
from insertadvisor.model import Level, Ruleset

if TYPE_CHECKING:
    from insertadvisor.results import Referral, Result

# The report's sections, in the order a person should read them.
SECTIONS = ("main", "referrals", "insert", "actions", "self_care", "safety_net", "evidence",
            "why", "not_fired", "answers", "provenance")
TOPIC_SECTIONS = ("main", "insert", "self_care", "safety_net", "evidence")  # advice may go
# What report.headings must word: every section's heading, a second heading for lower
# referrals after an emergency, and the words the report adds.
# `not_asked` stands for an answer the interview did not ask; `unsure_yes` is what the
# prompts say when "not sure" is taken as yes on a warning sign.
HEADINGS = (*SECTIONS, "referrals_after_emergency", "features", "stop_wearing", "yes", "no",
            "unknown", "not_asked", "unsure_yes", "title_assessment", "title_checkin",
            "notes")
QUIET = frozenset({"evidence", "why", "not_fired", "answers", "provenance"})  # drawn dimmer


class Entry:
    """One item of a section: a text, with an optional lead (`label`, e.g. a level or a
    question), lines under it (`details`) and the level it is about (for its colour)."""

    __slots__ = ("details", "label", "level", "list_items", "text")

    def __init__(self, text: str, label: str = "", details: tuple[str, ...] = (),
                 level: str = "", list_items: bool = False) -> None:
        self.text = text
        self.label = label
        self.details = details  # lines under the text: reasons, or a list's items
        self.level = level
        self.list_items = list_items  # the details are the items of a list in the text

    def words(self) -> list[str]:
        """The entry as plain lines: `label: text`, then each detail."""
        head = f"{self.label}: {self.text}" if self.label else self.text
        return [head, *self.details]


class Section:
    __slots__ = ("entries", "heading", "id")

    def __init__(self, id: str, heading: str, entries: list[Entry]) -> None:
        self.id = id  # one of SECTIONS
        self.heading = heading
        self.entries = entries


class Report:
    """A result for a person: the level and its message first, then the sections."""

    __slots__ = ("disclaimer", "kind", "level", "message", "sections")

    def __init__(self, kind: str, level: Level, message: str, sections: list[Section],
                 disclaimer: str) -> None:
        self.kind = kind  # assessment | checkin
        self.level = level
        self.message = message  # the level's message, worded for the region
        self.sections = sections  # only those with entries, main first
        self.disclaimer = disclaimer

    @property
    def main_action(self) -> str:
        """The one line a person must not miss."""
        return f"{self.level.label.upper()}: {self.message}"

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


def build(result: Result, ruleset: Ruleset, *, explain: bool = False,
          answers: bool = False, asked: Collection[str] | None = None) -> Report:
    """The report of a result (`explain`: with why each rule fired, and with the rules
    that did not fire when the result lists them; `answers`: with every answer, as a
    saved report shows them; `asked`: the ids an interview asked or was given, the
    others shown as not asked)."""
    words = ruleset.report.headings
    level = ruleset.level(result["triage"])
    main, lower = _referrals(result["referrals"], level.id, ruleset)
    parts: dict[str, list[Entry]] = {section: [] for section in SECTIONS}
    parts["main"] = main
    parts["referrals"] = lower
    if result["kind"] == "assessment":
        insert = result["insert"]  # type: ignore[typeddict-item]
        parts["insert"] = [Entry(insert["summary"], insert["label"])]
        if insert["features"]:
            parts["insert"].append(Entry(f"{words['features']}:",
                                         details=tuple(insert["features"]), list_items=True))
    else:
        if result["stop_wearing"]:  # type: ignore[typeddict-item]
            parts["actions"].append(Entry(words["stop_wearing"]))
        parts["actions"] += [Entry(a["text"]) for a in result["actions"]  # type: ignore[typeddict-item]
                             if a["rule"] not in {r["rule"] for r in result["referrals"]}]
    for advice in result["advice"]:
        section = ruleset.report.topics.get(advice["topic"], "self_care")
        parts[section] += _lines(advice["text"])  # in `main`: after the referrals
    if explain:
        parts["why"] = [Entry(f"{r['because']}. Source: {r['source']}",
                              f"{r['id']} ({r['file']}:{r['line']})")
                        for r in result["fired_rules"]]
    parts["not_fired"] = [Entry(r["failed"], f"{r['id']} ({r['file']}:{r['line']})")
                          for r in result.get("not_fired", [])]
    if answers:
        parts["answers"] = answer_entries(result["kind"], result["answers"], ruleset, asked)
    info = result["ruleset"]
    region = ruleset.regions.get(result["region"])
    parts["provenance"] = [Entry(f"{info['name']} {info['version']}"),
                           Entry(f"sha256 {info['sha256']}"),
                           *([Entry(region.name)] if region else [])]
    headings = {**words, "referrals": words["referrals_after_emergency"]
                if level.id == ruleset.levels[0].id else words["referrals"]}
    sections = [Section(s, headings[s], parts[s]) for s in SECTIONS if parts[s]]
    return Report(result["kind"], level, result["triage_message"], sections,
                  result["disclaimer"])


def _lines(text: str) -> list[Entry]:
    """A text that holds lists (a lead-in line, then `- item` lines) as entries whose
    details are the items; a text without one as it is."""
    out: list[Entry] = []
    for line in text.split("\n"):
        if line.startswith("- ") and out:
            last = out[-1]
            out[-1] = Entry(last.text, details=(*last.details, line[2:]), list_items=True)
        else:
            out.append(Entry(line))
    return out


def _referrals(referrals: list[Referral], triage: str,
               ruleset: Ruleset) -> tuple[list[Entry], list[Entry]]:
    """The referrals as actions: those at the triage level (the main action) and those
    below it, each place to go once, with every reason for going there."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for referral in referrals:
        reasons = grouped.setdefault((referral["urgency"], referral["to"]), [])
        if referral["reason"] not in reasons:
            reasons.append(referral["reason"])
    main, lower = [], []
    for (level, to), reasons in grouped.items():
        if level == triage:
            main.append(Entry(to, details=tuple(reasons), level=level))
        else:
            lower.append(Entry(to, ruleset.level(level).label, tuple(reasons), level))
    return main, lower


def answer_entries(kind: str, answers: Mapping[str, Any], ruleset: Ruleset,
                   asked: Collection[str] | None = None) -> list[Entry]:
    """Every answer in the questions' order, in the person's words; each item of a set
    with yes or no. With `asked` (the question and item ids an interview asked, or had
    given), every other one is "not asked": an interview that stopped early, or a
    follow-up its condition left out, is not a "no"."""
    words = ruleset.report.headings
    stage = "assess" if kind == "assessment" else "checkin"
    say = Wording(ruleset, answers, {})
    out = []
    for question in ruleset.questions[stage]:
        value = answers.get(question.id)
        if question.type == "set":
            chosen = set(value or ())
            out += [Entry(words["yes"] if item.id in chosen else words["no"]
                          if asked is None or item.id in asked else words["not_asked"],
                          say(item.prompt))
                    for item in question.items]
            continue
        if asked is not None and question.id not in asked:
            shown = words["not_asked"]
        elif value is None:
            shown = words["unknown"]
        elif question.type == "choice":
            shown = say(question.labels.get(value, str(value)))
        else:
            unit = question.unit[:-1] if value == 1 and question.unit.endswith("s") \
                else question.unit
            shown = f"{value} {unit}".strip()
        out.append(Entry(shown, say(question.prompt)))
    return out
