"""The interview of the default rule set (issue 11, items 1-3), in-process.

A simulated person (interview_person.Person) reads each prompt and answers it; what
should be asked is derived from the rule set's interview (steps, gates, conditions), its
words (units.yaml) and its report words, never from a list of questions written here.
Real-terminal behaviour (echo, Ctrl-C, resize, Ctrl-Z) is in test_interview_pty.py.
"""

from __future__ import annotations

import html
import io
import json
import os
import stat
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from insertadvisor.assessment import triage_so_far
from insertadvisor.cli import run
from insertadvisor.conditions import evaluate
from insertadvisor.environment import Environment
from insertadvisor.model import Ruleset, Step
from insertadvisor.pipeline import derive, facts_from
from insertadvisor.prompts import BACK

from .conftest import run_cli
from .interview_person import LEAD, Person, expected_walk, flat, interview

STAGE = "assess"
# Ordinary answers of a person with no red flag (no clinical threshold is read from them:
# what they lead to is derived from the rule set's conditions).
PLAIN = {"region": "1", "age": "40", "pain_weeks": "3", "pain_trend": "same",
         "arch": "normal", "overpronation": "no", "leg_length_diff_mm": "0",
         "tried_otc_weeks": "0", "footwear": "supportive", "lld_source": "unknown",
         "first_episode": "no", "pain_started_before_45": "no"}
WITH_FOOT = {**PLAIN, "arch": "flat"}


def answers_of(replies: dict[str, str]) -> dict[str, Any]:
    """The answers the replies stand for, as the facts the conditions read."""
    out: dict[str, Any] = {}
    for qid, typed in replies.items():
        if qid in ("age",):
            out[qid] = int(typed)
        elif qid in ("pain_weeks", "leg_length_diff_mm", "tried_otc_weeks"):
            out[qid] = float(typed)
        else:
            out[qid] = typed
    out["region"] = None
    return out


def gates(ruleset: Ruleset) -> list[Step]:
    return [s for s in ruleset.interview[STAGE] if s.kind == "gate"]


def items(ruleset: Ruleset) -> dict[str, Any]:
    return {i.id: i for q in ruleset.questions[STAGE] for i in q.items}


def top_level_items(ruleset: Ruleset) -> list[str]:
    """Items that on their own make the result the most urgent level."""
    top = ruleset.levels[0].id
    return [i for i in items(ruleset) if triage_so_far(ruleset, {"symptoms": [i]})["triage"]
            == top]


def test_the_common_path_is_19_questions_21_with_a_foot_factor_plus_region(
        ruleset: Ruleset, tmp_path: Path) -> None:
    """Policy 2.3: counted from the rule set's interview and then from the screen."""
    plain = expected_walk(ruleset, STAGE, answers_of(PLAIN))
    foot = expected_walk(ruleset, STAGE, answers_of(WITH_FOOT))
    assert len(plain) == 19 + 1 and plain[0] == "region"
    assert len(foot) == 21 + 1
    for replies, walk in ((PLAIN, plain), (WITH_FOOT, foot)):
        person = Person(ruleset, STAGE, replies)
        first_run = {"XDG_CONFIG_HOME": str(tmp_path / str(len(walk)))}  # region asked
        status, out, err = interview(person, ["assess", "--json"], first_run)
        assert status == 0, err[-500:]
        assert person.asked == walk
        assert [n for n, _ in person.leads] == list(range(1, len(walk) + 1))
        assert person.leads[0] == (1, len(plain))  # the foot factor is not known yet
        assert person.leads[-1] == (len(walk), len(walk))
        assert json.loads(out)["answers"]["symptoms"] == []


def test_region_is_asked_first_then_age(ruleset: Ruleset) -> None:
    steps = [s for s in ruleset.interview[STAGE] if s.kind != "skip"]
    assert [s.id for s in steps[:2]] == ["region", "age"]
    person = Person(ruleset, STAGE, PLAIN)
    interview(person, ["assess", "--json"])
    assert person.asked[:2] == ["region", "age"]


def test_a_gate_opens_on_yes_and_asks_its_items_one_by_one(ruleset: Ruleset) -> None:
    top = set(top_level_items(ruleset))
    gate = next(g for g in gates(ruleset) if g.direct_when is None and not top & set(g.items))
    person = Person(ruleset, STAGE, {**PLAIN, gate.id: "y"})
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    assert person.asked == expected_walk(ruleset, STAGE, answers_of(PLAIN),
                                         yes=lambda g: g == gate.id)
    at = person.asked.index(gate.id)
    assert person.asked[at + 1:at + 1 + len(gate.items)] == list(gate.items)
    assert json.loads(out)["answers"]["symptoms"] == []


def test_a_gate_answered_no_asks_none_of_its_items(ruleset: Ruleset) -> None:
    person = Person(ruleset, STAGE, PLAIN)
    interview(person, ["assess", "--json"])
    for gate in gates(ruleset):
        if gate.id in person.asked:
            assert not set(gate.items) & set(person.asked)


def _opening(ruleset: Ruleset, gate: Step) -> str | None:
    """An item that, answered yes alone, makes `gate` ask its items directly."""
    questions = {q.id: q for q in ruleset.questions[STAGE]}
    for item in items(ruleset):
        facts = facts_from({qid: [item] if q.type == "set" else q.empty()
                            for qid, q in questions.items()})
        derive(ruleset, STAGE, facts)
        if gate.direct_when is not None and evaluate(gate.direct_when, facts):
            return item
    return None


def _gate_of(ruleset: Ruleset, item: str) -> str:
    """The step that asks `item`: its gate's name, or the item itself."""
    return next(s.id for s in ruleset.interview[STAGE] if item in s.items)


@pytest.mark.parametrize("index", range(2))
def test_direct_when_asks_a_gates_items_one_by_one(ruleset: Ruleset, index: int) -> None:
    direct = [g for g in gates(ruleset) if g.direct_when is not None]
    assert len(direct) >= 2
    gate = direct[index]
    opening = _opening(ruleset, gate)
    assert opening is not None, gate.id
    replies: dict[str, Any] = {**PLAIN, opening: "y", _gate_of(ruleset, opening): "y"}
    person = Person(ruleset, STAGE, replies)
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    assert gate.id not in person.asked  # no gate: each item asked directly
    asked = person.asked
    at = asked.index(gate.items[0])
    assert asked[at:at + len(gate.items)] == list(gate.items)
    assert opening in json.loads(out)["answers"]["symptoms"]


@pytest.mark.parametrize("which", ["first", "gated"])
def test_an_emergency_answer_is_shown_at_once_and_the_rest_may_be_skipped(
        ruleset: Ruleset, which: str) -> None:
    top = top_level_items(ruleset)
    gated = {i for g in gates(ruleset) for i in g.items}
    item = top[0] if which == "first" else next(i for i in top if i in gated)
    step = _gate_of(ruleset, item)
    replies: dict[str, Any] = {**PLAIN, item: "y", step: "y"}
    person = Person(ruleset, STAGE, replies, on_continue="")  # Enter: No, show it now
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    answered = next(i for i, (screen, _) in enumerate(person.chunks)
                    if person.asked and person.asked[-1] == item and "[y/n]" in screen
                    and flat(items(ruleset)[item].prompt.split("{")[0]) in flat(screen))
    after = person.chunks[answered + 1][0]
    label = ruleset.levels[0].label.upper()
    assert flat(after).startswith(f"{label}:")  # at once, before anything else
    assert "Answer the remaining questions too?" in after
    assert person.asked[-1] == item  # nothing asked with a lead after it
    data = json.loads(out)
    assert data["triage"] == ruleset.levels[0].id
    required = [q for q in ruleset.questions[STAGE] if q.required]
    for q in required:  # not asked: unknown where that is an answer; else asked (needed)
        if q.id in PLAIN and q.id not in person.asked and q.type == "choice":
            assert data["answers"][q.id] == "unknown"


def test_after_an_emergency_the_remaining_questions_are_offered(ruleset: Ruleset) -> None:
    item = top_level_items(ruleset)[0]
    person = Person(ruleset, STAGE, {**PLAIN, item: "y"}, on_continue="y")
    status, _, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    assert err.count("Answer the remaining questions too?") == 1
    assert person.asked == expected_walk(ruleset, STAGE, {**answers_of(PLAIN),
                                                          "symptoms": [item]})


@pytest.mark.parametrize("emergency", [True, False], ids=["after-emergency", "no-emergency"])
def test_input_ending_after_an_emergency_shows_the_result_so_far(ruleset: Ruleset,
                                                                 emergency: bool) -> None:
    """Ctrl-D after choosing to answer the rest ends as choosing not to would have: the
    result so far, emergency first. Without an emergency shown, it stops (exit 130)."""
    item = top_level_items(ruleset)[0]
    chosen = [item] if emergency else []
    walk = expected_walk(ruleset, STAGE, {**answers_of(PLAIN), "symptoms": chosen})
    after = walk[walk.index(item) + 1]
    replies = {**PLAIN, item: "y"} if emergency else dict(PLAIN)
    person = Person(ruleset, STAGE, replies, on_continue="y", stop_after=after)
    status, out, err = interview(person, ["assess", "--json"])
    last = err.rstrip().splitlines()[-1]
    if not emergency:
        assert status == 130 and out == "", err[-300:]
        assert last.endswith("stopped: input ended before every question was answered")
        return
    assert "Input ended: the result from your answers so far." in err
    top = ruleset.levels[0]
    if status == 0:  # every answer a result needs was given, or may be unknown
        data = json.loads(out)
        assert data["triage"] == top.id and data["answers"]["symptoms"] == [item]
    else:  # a needed answer is missing: the emergency is said again on the last line
        assert status == 130 and out == "", err[-300:]
        assert f"{top.label.upper()}: " in last, last


def test_input_ending_after_an_emergency_with_every_needed_answer_shows_the_result(
        ruleset: Ruleset) -> None:
    required = [q for q in ruleset.questions[STAGE] if q.required and q.id in PLAIN]
    item = top_level_items(ruleset)[0]
    walk = expected_walk(ruleset, STAGE, {**answers_of(PLAIN), "symptoms": [item]})
    # input ends after the last question a result needs
    last_needed = max(walk.index(q.id) for q in required if q.id in walk)
    person = Person(ruleset, STAGE, {**PLAIN, item: "y"}, on_continue="y",
                    stop_after=walk[max(last_needed, walk.index(item) + 1)])
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    assert "Input ended: the result from your answers so far." in err
    data = json.loads(out)
    assert data["triage"] == ruleset.levels[0].id and data["answers"]["symptoms"] == [item]


# --- natural answers -----------------------------------------------------------------------


def _factor(ruleset: Ruleset, group: str, unit: str) -> Fraction:
    return Fraction(str(ruleset.words["units"][group][unit]["factor"]))


@pytest.mark.parametrize(("typed", "unit", "count"), [
    ("3 months", "month", 3), ("18 months", "month", 18), ("18months", "month", 18),
    ("2 years", "year", 2), ("10 days", "day", 10)])
def test_durations_become_weeks_and_are_said_back(ruleset: Ruleset, typed: str, unit: str,
                                                   count: int) -> None:
    weeks = count * _factor(ruleset, "weeks", unit)
    person = Person(ruleset, STAGE, {**PLAIN, "pain_weeks": typed})
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    recorded = json.loads(out)["answers"]["pain_weeks"]
    assert abs(Fraction(str(recorded)) - weeks) <= Fraction(1, 20)  # one decimal place
    shown = f"{recorded:g}"
    assert f"{typed.replace('months', ' months').replace('  ', ' ')} = " in flat(err)
    assert f"= {'' if Fraction(str(recorded)) == weeks else 'about '}{shown} weeks" in flat(err)


@pytest.mark.parametrize(("typed", "mm"), [
    ("12mm", 12), ("12 mm", 12), ("1,5 cm", 15), ("1.5cm", 15), ("0.5 in", 12.7),
    ('0.5"', 12.7), ("1 inch", 25.4),
    ("about 8mm", 8), ("1 cm", 10), ("0,5", 0.5), ("10mm", 10)])  # the examples
def test_lengths_become_millimetres(ruleset: Ruleset, typed: str, mm: float) -> None:
    person = Person(ruleset, STAGE, {**PLAIN, "leg_length_diff_mm": typed,
                                     "lld_source": "unknown"})
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    assert json.loads(out)["answers"]["leg_length_diff_mm"] == mm


@pytest.mark.parametrize("unit", ["cm", "in"])
def test_a_length_in_another_unit_is_said_back_in_mm(ruleset: Ruleset, unit: str) -> None:
    factor = _factor(ruleset, "mm", unit)
    person = Person(ruleset, STAGE, {**PLAIN, "leg_length_diff_mm": f"1 {unit}",
                                     "lld_source": "unknown"})
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    assert f"1 {unit} = {float(factor):g} mm" in flat(err)
    assert json.loads(out)["answers"]["leg_length_diff_mm"] == float(factor)


def test_a_year_and_a_half_is_asked_again_with_the_reason(ruleset: Ruleset) -> None:
    person = Person(ruleset, STAGE, {**PLAIN, "pain_weeks": ["a year and a half", "78"]})
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    assert "expected a number, got 'a year and a half'" in err
    assert json.loads(out)["answers"]["pain_weeks"] == 78


@pytest.mark.parametrize("unsure", ["I don't know", "I don\u2019t know", "Don\u2019t know."])
def test_not_sure_on_a_warning_sign_counts_as_yes_and_says_so(ruleset: Ruleset,
                                                              unsure: str) -> None:
    top = set(top_level_items(ruleset))
    gate = next(g for g in gates(ruleset) if g.direct_when is None and not top & set(g.items))
    first = gate.items[0]
    person = Person(ruleset, STAGE, {**PLAIN, gate.id: "not sure", first: unsure})
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    said = ruleset.report.headings["unsure_yes"]
    assert flat(err).count(said) == 2  # at the gate, and at its item
    assert set(gate.items) <= set(person.asked)  # the gate opened
    assert first in json.loads(out)["answers"]["symptoms"]
    at = next(i for i, (_, reply) in enumerate(person.chunks) if reply == "not sure")
    assert said in flat(person.chunks[at + 1][0])  # at that moment


@pytest.mark.parametrize("unsure", ["not sure", "don\u2019t know", "Don't know."])
def test_not_sure_on_a_foot_question_is_unknown(ruleset: Ruleset, unsure: str) -> None:
    foot = [q for q in ruleset.questions[STAGE] if q.type == "choice"
            and "unknown" in q.values and q.required]
    assert foot
    replies = {**PLAIN, **{q.id: unsure for q in foot}}
    status, out, err = interview(Person(ruleset, STAGE, replies), ["assess", "--json"])
    assert status == 0, err[-500:]
    answers = json.loads(out)["answers"]
    assert {q.id: answers[q.id] for q in foot} == {q.id: "unknown" for q in foot}


@pytest.mark.parametrize("typed", ["?", "help", "HELP", "what?"])
def test_help_shows_the_hint_again_instead_of_answering(ruleset: Ruleset, typed: str) -> None:
    arch = ruleset.question(STAGE, "arch")
    person = Person(ruleset, STAGE, {**PLAIN, "arch": [typed, "normal"]})
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    assert flat(err).count(flat(arch.hint)) == 2
    assert json.loads(out)["answers"]["arch"] == "normal"


def test_help_at_a_yes_no_question_says_what_not_sure_means(ruleset: Ruleset) -> None:
    first = next(s for s in ruleset.interview[STAGE] if s.kind == "item")
    person = Person(ruleset, STAGE, {**PLAIN, first.id: ["?", "n"]})
    status, _, err = interview(person, ["assess", "--json"])
    assert status == 0
    assert ruleset.report.headings["unsure_yes"] in flat(err)


@pytest.mark.parametrize("typed", ["²", "①", "٣", "\uff13", "1²"])  # (FF13: a wide 3)
def test_digits_that_are_not_ascii_are_asked_again(ruleset: Ruleset, typed: str) -> None:
    person = Person(ruleset, STAGE, {**PLAIN, "arch": [typed, "normal"],
                                     "age": [typed, "40"]})
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    assert "Traceback" not in err
    answers = json.loads(out)["answers"]
    assert (answers["arch"], answers["age"]) == ("normal", 40)


class _Lines(io.RawIOBase):
    """A terminal's raw input: one line per read, as a tty in canonical mode gives."""

    def __init__(self, lines: list[bytes]) -> None:
        self.lines = lines

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self.lines:
            return 0
        line = self.lines.pop(0)
        buffer[:len(line)] = line
        return len(line)


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
def test_a_latin1_byte_is_asked_again(ruleset: Ruleset, errors: str) -> None:
    lines = [b"\n", b"caf\xe9\n", b"40\n"]
    stdin = io.TextIOWrapper(io.BufferedReader(_Lines(lines)), encoding="utf-8",
                             errors=errors)
    err = io.StringIO()
    env = Environment(stdin=stdin, stdout=io.StringIO(), stderr=err, stdin_isatty=True,
                      stderr_isatty=True, environ=dict(os.environ, NO_COLOR="1"))
    status = run(["assess", "--json"], env)
    assert status == 130  # (input ends after the age)
    text = flat(err.getvalue())
    assert "could not be read as text" in text
    assert "Traceback" not in text and "internal error" not in text
    assert LEAD.search(text.split("could not be read")[1]) is not None  # went on: 40 taken


# Every byte that cannot start a UTF-8 character alone, and the malformed sequences:
# a surrogate, an overlong "/", beyond U+10FFFF, a truncated euro sign, one inside a word.
NOT_UTF8 = [bytes([b]) for b in range(0x80, 0x100)] + [
    b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xe2\x82", b"4\xb00"]


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
def test_no_line_that_is_not_utf8_is_taken_at_a_choice_or_a_number(ruleset: Ruleset,
                                                                    errors: str) -> None:
    """The class of the Latin-1 byte: each is asked again, at the region (a choice) and
    at the age (a number), and the plain answer after them is taken."""
    odd = [line + b"\n" for line in NOT_UTF8]
    stdin = io.TextIOWrapper(io.BufferedReader(_Lines([*odd, b"1\n", *odd, b"40\n"])),
                             encoding="utf-8", errors=errors)
    err = io.StringIO()
    env = Environment(stdin=stdin, stdout=io.StringIO(), stderr=err, stdin_isatty=True,
                      stderr_isatty=True, environ=dict(os.environ, NO_COLOR="1"))
    assert run(["assess", "--json"], env) == 130  # (input ends after the age)
    text = flat(err.getvalue())
    assert text.count("could not be read as text") == 2 * len(odd)
    assert "Traceback" not in text and "internal error" not in text
    lead = LEAD.search(text.rsplit("could not be read", 1)[1])
    assert lead is not None and lead.group(1) == "3"  # region and age taken


def test_back_returns_to_the_previous_question(ruleset: Ruleset) -> None:
    steps = [s.id for s in ruleset.interview[STAGE] if s.kind == "question"]
    after = steps[steps.index("pain_weeks") + 1]
    person = Person(ruleset, STAGE, {**PLAIN, "pain_weeks": ["3", "5"],
                                     after: ["back", PLAIN[after]]})
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    at = person.asked.index("pain_weeks")
    assert person.asked[at:at + 4] == ["pain_weeks", after, "pain_weeks", after]
    assert person.leads[at + 2][0] == person.leads[at][0]  # the same number again
    assert json.loads(out)["answers"]["pain_weeks"] == 5


def test_back_after_a_gate_opened_returns_to_the_gate(ruleset: Ruleset) -> None:
    top = set(top_level_items(ruleset))
    gate = next(g for g in gates(ruleset) if g.direct_when is None and not top & set(g.items))
    first = gate.items[0]
    person = Person(ruleset, STAGE, {**PLAIN, gate.id: ["y", "n"], first: "back"})
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    at = person.asked.index(gate.id)
    assert person.asked[at:at + 3] == [gate.id, first, gate.id]
    assert person.asked.count(first) == 1  # the gate then said no: its items not asked
    assert json.loads(out)["answers"]["symptoms"] == []


def test_back_at_the_first_question_says_there_is_none(ruleset: Ruleset) -> None:
    person = Person(ruleset, STAGE, {**PLAIN, "region": ["back", "1"]})
    status, _, err = interview(person, ["assess", "--json"])
    assert status == 0
    assert "There is no earlier question to go back to." in err


def test_back_is_no_questions_value(ruleset: Ruleset) -> None:
    for stage_questions in ruleset.questions.values():
        for q in stage_questions:
            assert not {v.lower() for v in q.values} & set(BACK)


def test_a_skipped_age_is_asked_once_more(ruleset: Ruleset) -> None:
    age = ruleset.question(STAGE, "age")
    person = Person(ruleset, STAGE, {**PLAIN, "age": ""})
    status, out, err = interview(person, ["assess", "--json"])
    assert status == 0, err[-500:]
    assert flat(err).count(flat(age.prompt)) == 2
    assert "press Enter again to skip" in err
    assert json.loads(out)["answers"]["age"] is None


def test_the_region_offers_the_locales_country_and_is_saved(ruleset: Ruleset) -> None:
    us = next(r for r in ruleset.regions.values() if "US" in r.countries)
    label = ruleset.question(STAGE, "region").labels[us.id]
    person = Person(ruleset, STAGE, {**PLAIN, "region": ""})
    status, out, err = interview(person, ["assess", "--json"], {"LANG": "en_US.UTF-8",
                                                                "LC_ALL": ""})
    assert status == 0, err[-500:]
    assert f"(Enter: {label})" in flat(err)
    assert json.loads(out)["region"] == us.id
    again = Person(ruleset, STAGE, PLAIN)
    status, out, _ = interview(again, ["assess", "--json"], {"LANG": "en_GB.UTF-8"})
    assert "region" not in again.asked  # asked only on a first run
    assert json.loads(out)["region"] == us.id


# --- resuming ------------------------------------------------------------------------------


def _data_file() -> Path:
    return Path(os.environ["XDG_DATA_HOME"]) / "insertadvisor" / "interview-assess.json"


def test_an_interrupted_interview_is_kept_privately_and_resumed(ruleset: Ruleset) -> None:
    first = Person(ruleset, STAGE, PLAIN, stop_after="pain_weeks")
    status, out, _ = interview(first, ["assess", "--json"])
    assert (status, out) == (130, "")
    kept = _data_file()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    done = len(first.asked)  # (pain_weeks was answered, then input ended)
    second = Person(ruleset, STAGE, PLAIN)
    status, out, err = interview(second, ["assess", "--json"])
    assert status == 0, err[-500:]
    assert "Carry on where you left off?" in err
    walk = expected_walk(ruleset, STAGE, answers_of(PLAIN))
    assert second.asked == walk[done:]
    assert second.leads[0][0] == done + 1  # numbering goes on
    assert json.loads(out)["answers"]["age"] == 40
    assert not kept.exists()  # a finished interview leaves nothing behind
    third = Person(ruleset, STAGE, PLAIN)
    interview(third, ["assess", "--json"])
    assert "Carry on" not in third.err.getvalue()


def test_declining_to_resume_starts_again(ruleset: Ruleset) -> None:
    interview(Person(ruleset, STAGE, PLAIN, stop_after="pain_weeks"), ["assess", "--json"])
    again = Person(ruleset, STAGE, {**PLAIN, "age": "41"}, on_resume="n")
    status, out, _ = interview(again, ["assess", "--json"])
    assert status == 0
    assert again.asked == expected_walk(ruleset, STAGE, answers_of(PLAIN))
    assert json.loads(out)["answers"]["age"] == 41


def test_a_saved_interview_that_no_longer_fits_is_dropped(ruleset: Ruleset) -> None:
    kept = _data_file()
    kept.parent.mkdir(parents=True)
    kept.write_text('{"version": 1, "answers": {"no_such_question": 1}, "answered": [], '
                    '"asked": [], "count": 1, "saved_at": 0}')
    person = Person(ruleset, STAGE, PLAIN)
    status, _, err = interview(person, ["assess", "--json"])
    assert status == 0 and "Carry on" not in err


# --- --save-answers and the copy for a doctor ----------------------------------------------


def test_save_answers_writes_what_answers_reads_back(tmp_path: Path) -> None:
    saved = tmp_path / "me.json"
    flags = ["--arch", "flat", "--overpronation", "yes", "--leg-length-diff", "6",
             "--pain-weeks", "3", "--symptom", "foot_pain", "--age", "52"]
    first = run_cli(["assess", "--json", "--no-input", "--save-answers", str(saved), *flags])
    assert first.status == 0, first.stderr
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    again = run_cli(["assess", "--json", "--no-input", "--answers", str(saved)])
    assert again.status == 0, again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)


def test_save_answers_after_an_interview(ruleset: Ruleset, tmp_path: Path) -> None:
    saved = tmp_path / "me.json"
    status, out, err = interview(Person(ruleset, STAGE, WITH_FOOT),
                                 ["assess", "--json", "--save-answers", str(saved)])
    assert status == 0, err[-500:]
    again = run_cli(["assess", "--json", "--answers", str(saved)])
    assert json.loads(again.stdout) == json.loads(out)


def test_save_answers_refuses_a_folder_before_any_question(tmp_path: Path) -> None:
    result = run_cli(["assess", "--save-answers", str(tmp_path)], tty=True)
    assert result.status == 2
    assert result.stderr.startswith(f"insertadvisor: error: --save-answers {tmp_path}: is a "
                                    "folder")
    assert "Question" not in result.stderr


@pytest.mark.parametrize(("typed", "suffix"), [("h", ".html"), ("t", ".txt")])
def test_a_copy_for_a_doctor_lists_every_warning_sign(ruleset: Ruleset, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      typed: str, suffix: str) -> None:
    monkeypatch.chdir(tmp_path)
    item = top_level_items(ruleset)[0]
    person = Person(ruleset, STAGE, {**PLAIN, item: "y"}, on_continue="", on_offer=typed)
    status, _, err = interview(person, ["assess"])
    assert status == 0, err[-500:]
    copy = tmp_path / f"insertadvisor-assessment-{date.today().isoformat()}{suffix}"
    assert f"Saved: {copy}" in flat(err)
    text = flat(html.unescape(copy.read_text()))
    words = ruleset.report.headings
    for other in items(ruleset).values():  # every warning sign, with its answer
        assert flat(other.prompt.split("{")[0]) in text
    assert words["not_asked"] in text  # the rest, after the emergency, were not asked
    assert ruleset.regions[json_region(ruleset, person)].name in text
    assert ruleset.name in text
    second = Person(ruleset, STAGE, PLAIN, on_offer=typed)
    interview(second, ["assess"])
    assert (tmp_path / f"{copy.stem}-2{suffix}").exists()  # never over the first


def json_region(ruleset: Ruleset, person: Person) -> str:
    return list(ruleset.question(STAGE, "region").values)[int(PLAIN["region"]) - 1]


def test_no_copy_is_offered_without_an_interview(ruleset: Ruleset) -> None:
    result = run_cli(["assess", "--region", "UK", "--arch", "flat", "--overpronation", "yes",
                      "--leg-length-diff", "0", "--pain-weeks", "3", "--no-input"], tty=True)
    assert result.status == 0
    assert "Save a copy" not in result.stderr


def test_not_sure_at_a_set_asked_whole_is_asked_again(ruleset: Ruleset) -> None:
    """The check-in's effects are things noticed, not warning signs: no guess either way."""
    whole = next(s for s in ruleset.interview["checkin"] if s.kind == "question" and s.items)
    first = whole.items[0]
    person = Person(ruleset, "checkin", {"region": "1", "weeks_wearing": "3",
                                         first: ["not sure", "n"]})
    status, out, err = interview(person, ["checkin", "--json"])
    assert status == 0, err[-500:]
    assert ruleset.report.headings["unsure_yes"] not in flat(err)
    assert "Please answer y (yes) or n (no)." in err
    assert first not in json.loads(out)["answers"][whole.question]


def test_output_after_an_interview_lists_each_warning_sign_yes_no_or_not_asked(
        ruleset: Ruleset, tmp_path: Path) -> None:
    """--output holds what the copy for a doctor holds: every warning sign, each with yes,
    no (asked on its own, or under a gate answered no) or not asked (a follow-up its
    condition left out), the answers, the result, the rule set and the region."""
    from insertadvisor.assessment import Wording

    top = set(top_level_items(ruleset))
    gate = next(g for g in gates(ruleset) if g.direct_when is None and not top & set(g.items))
    first = gate.items[0]
    report = tmp_path / "report.txt"
    person = Person(ruleset, STAGE, {**PLAIN, gate.id: "y", first: "y"})
    status, out, err = interview(person, ["assess", "--json", "--output", str(report)])
    assert status == 0, err[-500:]
    data = json.loads(out)
    assert data["answers"]["symptoms"] == [first]
    walk = expected_walk(ruleset, STAGE, {**answers_of(PLAIN), "symptoms": [first]},
                         yes=lambda step: step == gate.id)
    assert person.asked == walk
    steps = {s.id: s for s in ruleset.interview[STAGE]}
    covered = set(walk) | {i for sid in walk if sid in steps for i in steps[sid].items}
    words = ruleset.report.headings
    say = Wording(ruleset, data["answers"], {})
    text = flat(report.read_text())
    expected = {item: words["yes"] if item == first else words["no"] if item in covered
                else words["not_asked"] for item in items(ruleset)}
    assert set(expected.values()) == {words["yes"], words["no"], words["not_asked"]}
    for item, answer in expected.items():
        assert f"- {flat(say(items(ruleset)[item].prompt))}: {answer} -" in text, item
    assert ruleset.level(data["triage"]).label.upper() in text.upper()  # the result
    assert f"{ruleset.name} {ruleset.version}" in text
    assert ruleset.regions[data["region"]].name in text
    assert f"{flat(ruleset.question(STAGE, 'age').prompt)}: 40" in text  # the answers


def _numeric_characters() -> list[str]:
    """Every character other than 0-9 that Python calls a digit, a decimal or numeric
    (superscripts, circled numbers, other scripts' digits, fractions, Roman numerals)."""
    import sys
    import unicodedata

    return [c for c in map(chr, range(sys.maxunicode + 1))
            if not c.isascii() and (c.isdigit() or c.isdecimal() or c.isnumeric()
                                    or unicodedata.numeric(c, None) is not None)]


def test_no_numeric_character_is_taken_or_crashes_a_prompt(ruleset: Ruleset) -> None:
    """The class of "²" and "①": each such character typed alone, after a digit and
    before one, at a choice and at a whole and a decimal number question, is asked again,
    and the plain answer that follows is taken."""
    from insertadvisor.natural import load_units
    from insertadvisor.prompts import Asker

    odd = _numeric_characters()
    assert len(odd) > 1000 and "²" in odd and "①" in odd
    typed = [t for c in odd for t in (c, f"1{c}", f"{c}1")]
    choice = next(q for q in ruleset.questions[STAGE] if q.type == "choice")
    whole = next(q for q in ruleset.questions[STAGE] if q.type == "integer")
    decimal = next(q for q in ruleset.questions[STAGE] if q.type == "number")
    for question, plain in ((choice, "1"), (whole, "40"), (decimal, "3")):
        stdin = io.StringIO("".join(f"{t}\n" for t in typed) + f"{plain}\n")
        out = io.StringIO()
        asker = Asker(stdin, out, units=load_units(ruleset.words),
                      words=ruleset.report.headings)
        if question.type == "choice":
            got = asker.choice(question, str)
            assert got == next(iter(question.values)), question.id
        else:
            assert asker.number(question, str) == int(plain), question.id
        assert stdin.read() == ""  # every odd line was refused, then the plain one taken


def test_keeping_answers_never_writes_through_a_planted_link(ruleset: Ruleset,
                                                             tmp_path: Path) -> None:
    kept = _data_file()
    kept.parent.mkdir(parents=True, mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    (kept.parent / f".{kept.name}.{os.getpid()}.tmp").symlink_to(victim)
    status, _, err = interview(Person(ruleset, STAGE, PLAIN, stop_after="pain_weeks"),
                               ["assess", "--json"])
    assert status == 130, err[-500:]
    assert victim.read_text() == "untouched"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and not kept.is_symlink()
    assert json.loads(kept.read_text())["answers"]["age"] == 40


def test_a_copy_that_cannot_be_saved_says_so_in_one_line(ruleset: Ruleset, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """The result was shown; the copy asked for was not written: exit 1 with the reason,
    never "internal error", and never a copy written through a link at its name."""
    import errno

    from insertadvisor.render import export

    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()  # the current folder removed while the interview went on
    status, out, err = interview(Person(ruleset, STAGE, PLAIN, on_offer="t"), ["assess"])
    assert status == 1
    assert ruleset.name in out  # the result was shown, to its end
    last = err.strip().splitlines()[-1]
    assert "insertadvisor: error: the copy for a doctor was not saved: the current folder " \
           "cannot be used (no such file or directory)" in last
    assert "internal error" not in err and "Traceback" not in err

    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    name = f"insertadvisor-assessment-{date.today().isoformat()}.txt"
    (here / name).symlink_to(tmp_path / "nowhere")  # dangling: not a free name
    def full(path: Path) -> tuple[int, str]:
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(export, "_temporary", full)
    status, _, err = interview(Person(ruleset, STAGE, PLAIN, on_offer="t"), ["assess"])
    assert status == 1
    assert err.strip().splitlines()[-1].endswith(
        f"insertadvisor: error: the copy for a doctor was not saved: {here}/"
        f"{name[:-4]}-2.txt: cannot write it (no space left on device); the result above is "
        "complete: run again from another folder, or with --output FILE")
    assert not (tmp_path / "nowhere").exists()


def test_save_answers_on_a_full_disk_says_so(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from insertadvisor import resume

    def full(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(resume, "write_private", full)
    saved = tmp_path / "me.json"
    result = run_cli(["assess", "--json", "--no-input", "--save-answers", str(saved),
                      "--arch", "flat", "--overpronation", "yes", "--leg-length-diff", "6",
                      "--pain-weeks", "3", "--age", "52"])
    assert result.status == 1
    assert result.stderr == (f"insertadvisor: error: --save-answers {saved}: cannot write it "
                             "(no space left on device)\n")


@pytest.mark.parametrize("age_hours", [25, 24 * 30, -2])
def test_an_interview_kept_too_long_ago_is_not_offered(ruleset: Ruleset,
                                                        age_hours: int) -> None:
    """A "no" to a warning sign is about that day: after a day (or with a date in the
    future) every question is asked again."""
    import time

    from insertadvisor import resume

    interview(Person(ruleset, STAGE, PLAIN, stop_after="pain_weeks"), ["assess", "--json"])
    kept = _data_file()
    data = json.loads(kept.read_text())
    assert time.time() - data["saved_at"] < 60
    data["saved_at"] -= age_hours * 3600
    assert age_hours * 3600 > resume.MAX_AGE_SECONDS or age_hours < 0
    kept.write_text(json.dumps(data))
    again = Person(ruleset, STAGE, PLAIN)
    status, _, err = interview(again, ["assess", "--json"])
    assert status == 0 and "Carry on" not in err
    assert "are not from the last day, so every question is asked again" in flat(err)
    assert again.asked == expected_walk(ruleset, STAGE, answers_of(PLAIN))
    assert not kept.exists()


def test_an_interview_kept_within_the_day_is_offered(ruleset: Ruleset) -> None:
    interview(Person(ruleset, STAGE, PLAIN, stop_after="pain_weeks"), ["assess", "--json"])
    kept = _data_file()
    data = json.loads(kept.read_text())
    data["saved_at"] -= 23 * 3600
    kept.write_text(json.dumps(data))
    status, _, err = interview(Person(ruleset, STAGE, PLAIN), ["assess", "--json"])
    assert status == 0 and "Carry on where you left off?" in err


class _ResizedWhileDrawing(io.StringIO):
    """A terminal that gets SIGCONT (fg) in the middle of drawing the prompt, and notes a
    write that starts inside another (what a real stream refuses: RuntimeError)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.reentered, self.sent = 0, False, False

    def write(self, text: str) -> int:
        import signal

        self.depth += 1
        self.reentered |= self.depth > 1
        try:
            if "Pick:" in text and not self.sent:
                self.sent = True
                os.kill(os.getpid(), signal.SIGCONT)
                for _ in range(1000):  # bytecode boundaries, where the handler would run
                    pass
            return super().write(text)
        finally:
            self.depth -= 1


def test_a_signal_while_the_prompt_is_drawn_redraws_it_after(ruleset: Ruleset) -> None:
    from insertadvisor.prompts import Asker

    out = _ResizedWhileDrawing()
    asker = Asker(io.StringIO("1\n"), out, terminal=True)
    asker.say("Which one?")
    assert asker.read("Pick:") == "1"
    assert out.sent and not out.reentered
    assert out.getvalue().count("Pick:") == 2  # drawn, then drawn again once drawn
    assert out.getvalue().count("Which one?") == 2
