"""The interactive questions (issue 2), in-process with a simulated terminal.

stdin and stderr are "terminals" (run_cli(tty=True)), so `assess` asks for what it was not
given: the core questions first (a "don't know" choice and a one-line hint each), then one
yes/no question per symptom (emergency ones first), then the optional questions (Enter
skips). A wrong answer is asked again with the reason; an emergency is shown the moment it
is answered. Real-terminal behaviour (echo, Ctrl-C, screen width) is in test_pty.py.

End of input (Ctrl-D) at a question stops the run like Ctrl-C: exit 130 and the one line
"insertadvisor: stopped: input ended before every question was answered". The person
chose to stop; it is not bad input (2) and not a crash (1). The one exception is the
"Answer the remaining questions too? [y/N]" question after an emergency: there end of
input takes the default, No, so the emergency result is still shown.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from insertadvisor.model import Question, Ruleset

from .conftest import run_cli
from .test_safety import EMERGENCY


@pytest.fixture(autouse=True)
def _frozen_rules(on_v1: Ruleset) -> None:
    """These tests are about mechanics: they run on the frozen v1 rule set."""


@pytest.fixture
def ruleset(on_v1: Ruleset) -> Ruleset:
    return on_v1

STOPPED = "insertadvisor: stopped: input ended before every question was answered"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
YES_NO = "[y/n]: "
CONTINUE = "Answer the remaining questions too? [y/N]: "
OFFER = "Save a copy to show a doctor? h = web page, t = text, Enter = no: "
PLAIN = {"NO_COLOR": "1"}


def question(ruleset: Ruleset, qid: str) -> Question:
    return next(q for q in ruleset.questions["assess"] if q.id == qid)


def symptom_items(ruleset: Ruleset) -> list[Any]:
    return list(question(ruleset, "symptoms").items)


def all_no(ruleset: Ruleset) -> str:
    return "n\n" * len(symptom_items(ruleset))


CORE = "1\n2\nunknown\n3\n"  # flat, no, unknown, 3 weeks
# Enter at age, tried_otc_weeks and footwear. Age and tried_otc_weeks are optional with no
# default and asked in every interview, so a skipped one is asked once more (interview.py).
SKIP_OPTIONAL = "\n\n" + "\n\n" + "\n"


def ask(stdin: str, *args: str, environ: dict[str, str] | None = None) -> Any:
    result = run_cli(["assess", "--json", *args], stdin, tty=True,
                     environ=environ if environ is not None else PLAIN)
    assert "Traceback" not in result.stderr
    return result


def unwrapped(stderr: str) -> str:
    """stderr with the wrapping undone, so a long question can be found in one piece."""
    return " ".join(stderr.split())


def test_a_full_interview_gives_the_answers_typed(ruleset: Ruleset) -> None:
    result = ask(CORE + all_no(ruleset) + "42\n0\n3\n")
    assert result.status == 0, result.stderr
    answers = json.loads(result.stdout)["answers"]
    assert answers == {"arch": "flat", "overpronation": "no", "leg_length_diff_mm": None,
                       "pain_weeks": 3, "symptoms": [], "age": 42, "tried_otc_weeks": 0,
                       "footwear": "high_heels"}


def test_json_stays_pure_while_prompting(ruleset: Ruleset) -> None:
    result = ask(CORE + all_no(ruleset) + SKIP_OPTIONAL)
    assert result.status == 0
    data = json.loads(result.stdout)  # stdout is exactly one JSON document
    assert data["kind"] == "assessment"
    assert "Choose" not in result.stdout and YES_NO not in result.stdout
    assert "Choose 1-4: " in result.stderr and YES_NO in result.stderr


def test_core_questions_come_first_in_order_each_with_a_hint(ruleset: Ruleset) -> None:
    result = ask(CORE + all_no(ruleset) + SKIP_OPTIONAL)
    text = unwrapped(result.stderr)
    core = [q for q in ruleset.questions["assess"] if q.required]
    assert [q.id for q in core] == ["arch", "overpronation", "leg_length_diff_mm", "pain_weeks"]
    places = [text.index(q.prompt) for q in core]
    assert places == sorted(places)
    first_symptom = text.index(symptom_items(ruleset)[0].prompt.split("(")[0].strip())
    assert places[-1] < first_symptom
    for q in core:
        assert q.hint
        after = text[text.index(q.prompt):]
        assert after.index(" ".join(q.hint.split())) < len(q.prompt) + 5  # right below it


@pytest.mark.parametrize("qid", ["arch", "overpronation"])
def test_core_choices_offer_dont_know(ruleset: Ruleset, qid: str) -> None:
    q = question(ruleset, qid)
    result = ask(CORE + all_no(ruleset) + SKIP_OPTIONAL)
    block = result.stderr[result.stderr.index(q.prompt):]
    block = block[:block.index("Choose")]
    number = q.values.index("unknown") + 1
    assert f"  {number}) don't know" in block


@pytest.mark.parametrize("typed", ["4", "don't know", "unknown", "?", "Don't Know"])
def test_dont_know_is_accepted_for_the_arch(ruleset: Ruleset, typed: str) -> None:
    result = ask(f"{typed}\n2\nunknown\n3\n" + all_no(ruleset) + SKIP_OPTIONAL)
    assert json.loads(result.stdout)["answers"]["arch"] == "unknown"


@pytest.mark.parametrize("typed", ["unknown", "don't know", "?"])
def test_dont_know_is_accepted_for_the_leg_length(ruleset: Ruleset, typed: str) -> None:
    result = ask(f"1\n2\n{typed}\n3\n" + all_no(ruleset) + SKIP_OPTIONAL)
    assert json.loads(result.stdout)["answers"]["leg_length_diff_mm"] is None


def test_one_yes_no_question_per_symptom_emergency_ones_first(ruleset: Ruleset) -> None:
    result = ask(CORE + all_no(ruleset) + SKIP_OPTIONAL)
    items = symptom_items(ruleset)
    assert result.stderr.count(YES_NO) == len(items)
    text = unwrapped(result.stderr)
    places = [text.index(" ".join(i.prompt.split()) + " [y/n]:") for i in items]
    assert places == sorted(places)  # asked in the order of questions.yaml
    ids = [i.id for i in items]
    assert set(ids[:len(EMERGENCY)]) == set(EMERGENCY)  # ... which puts emergencies first


@pytest.mark.parametrize("typed", ["y", "Y", "yes", "YES", " yes "])
def test_yes_in_many_forms(ruleset: Ruleset, typed: str) -> None:
    items = symptom_items(ruleset)
    fever = [i.id for i in items].index("fever")
    screen = "n\n" * fever + f"{typed}\n" + "n\n" * (len(items) - fever - 1)
    result = ask(CORE + screen + SKIP_OPTIONAL)
    assert json.loads(result.stdout)["answers"]["symptoms"] == ["fever"]


def test_optional_questions_come_last_and_enter_skips_them(ruleset: Ruleset) -> None:
    result = ask(CORE + all_no(ruleset) + SKIP_OPTIONAL)
    answers = json.loads(result.stdout)["answers"]
    assert answers["age"] is None
    assert answers["tried_otc_weeks"] is None
    assert answers["footwear"] == "unknown"
    text = unwrapped(result.stderr)
    last_symptom = text.rindex(YES_NO.strip())
    for q in ruleset.questions["assess"]:
        if not q.required and q.type != "set":
            assert text.index(q.prompt) > last_symptom
    assert "(Enter skips)" in text or "press Enter to skip" in text.lower()


@pytest.mark.parametrize(("stdin", "reason", "field", "value"), [
    ("flatt\n1\n2\nunknown\n3\n", "'flatt' is not one of flat, normal, high, unknown (did you "
                                  "mean `flat`?); or type a number from 1 to 4.", "arch", "flat"),
    ("9\n3\n2\nunknown\n3\n", "'9' is not one of flat, normal, high, unknown", "arch", "high"),
    ("1\nmaybe\n1\nunknown\n3\n", "'maybe' is not one of yes, no, unknown", "overpronation",
     "yes"),
    ("1\n2\n-4\n4\n3\n", "-4 is out of range; give a value from 0 to 100 mm",
     "leg_length_diff_mm", 4),
    ("1\n2\nlots\n150\n7.5\n3\n", "expected a number or unknown, got 'lots'",
     "leg_length_diff_mm", 7.5),
    ("1\n2\n0\nnan\n3\n", "expected a finite number, got 'nan'", "pain_weeks", 3),
    ("1\n2\n0\nunknown\n3\n", "expected a number; unknown is not accepted here", "pain_weeks",
     3),
    ("1\n2\n0\n\n3\n", "expected a number, got ''", "pain_weeks", 3),
])
def test_a_wrong_answer_is_asked_again_with_the_reason(ruleset: Ruleset, stdin: str,
                                                       reason: str, field: str,
                                                       value: Any) -> None:
    result = ask(stdin + all_no(ruleset) + SKIP_OPTIONAL)
    assert result.status == 0, result.stderr
    assert reason in unwrapped(result.stderr)
    assert json.loads(result.stdout)["answers"][field] == value


def test_a_wrong_yes_no_answer_is_asked_again(ruleset: Ruleset) -> None:
    result = ask(CORE + "maybe\n" + all_no(ruleset) + SKIP_OPTIONAL)
    assert result.status == 0
    assert "Please answer y (yes) or n (no)." in result.stderr
    first = " ".join(symptom_items(ruleset)[0].prompt.split())
    assert unwrapped(result.stderr).count(first) == 2


def test_a_wrong_optional_answer_is_asked_again(ruleset: Ruleset) -> None:
    result = ask(CORE + all_no(ruleset) + "forty\n200\n41\n\n\nheels\n3\n")
    assert result.status == 0, result.stderr
    text = unwrapped(result.stderr)
    assert "expected a whole number or unknown, got 'forty'" in text
    assert "200 is out of range; give a value from 0 to 130 years" in text
    assert "'heels' is not one of supportive, unsupportive, high_heels, unknown" in text
    answers = json.loads(result.stdout)["answers"]
    assert (answers["age"], answers["footwear"]) == (41, "high_heels")


@pytest.mark.parametrize("which", EMERGENCY)
def test_an_emergency_is_shown_at_once(ruleset: Ruleset, which: str) -> None:
    items = symptom_items(ruleset)
    index = [i.id for i in items].index(which)
    stdin = CORE + "n\n" * index + "y\n" + "\n"  # yes, then Enter: No, do not go on
    result = ask(stdin)
    assert result.status == 0, result.stderr
    # nothing was asked after the emergency but whether to go on
    assert result.stderr.count(YES_NO) == index + 1
    after = result.stderr[result.stderr.rindex(YES_NO) + len(YES_NO):]
    assert after.lstrip().startswith("EMERGENCY: Call the emergency number")
    assert CONTINUE in after
    assert after.index("EMERGENCY") < after.index(CONTINUE)
    tail = after[after.index(CONTINUE) + len(CONTINUE):]
    assert "?" not in unwrapped(tail).replace(OFFER.strip(), "")  # only the offer of a copy
    data = json.loads(result.stdout)
    assert data["triage"] == "emergency"
    assert data["insert"]["type"] == "defer"
    assert data["answers"]["symptoms"] == [which]


def test_after_an_emergency_the_person_may_answer_the_rest(ruleset: Ruleset) -> None:
    items = symptom_items(ruleset)
    # yes to the first two emergencies: the warning is shown once, then every question goes on
    stdin = CORE + "y\ny\n" + "y\n" + "n\n" * (len(items) - 2) + "50\n\n\n\n"
    result = ask(stdin)
    assert result.status == 0, result.stderr
    assert result.stderr.count("EMERGENCY:") == 1
    assert result.stderr.count(CONTINUE) == 1
    assert result.stderr.count(YES_NO) == len(items)
    data = json.loads(result.stdout)
    assert data["answers"]["symptoms"] == [items[0].id, items[1].id]
    assert data["answers"]["age"] == 50


def test_an_urgent_symptom_does_not_interrupt(ruleset: Ruleset) -> None:
    items = symptom_items(ruleset)
    stdin = CORE + "".join("y\n" if i.id == "fever" else "n\n" for i in items) + SKIP_OPTIONAL
    result = ask(stdin)
    assert CONTINUE not in result.stderr
    assert json.loads(result.stdout)["triage"] == "urgent"


def test_end_of_input_after_an_emergency_still_shows_it(ruleset: Ruleset) -> None:
    result = ask(CORE + "y\n")  # yes to an emergency, then Ctrl-D at "answer the rest?"
    assert result.status == 0, result.stderr
    assert json.loads(result.stdout)["triage"] == "emergency"


def _interview_lines(ruleset: Ruleset) -> list[str]:
    return (CORE + all_no(ruleset) + SKIP_OPTIONAL).splitlines(keepends=True)


def test_end_of_input_at_every_question_stops_cleanly(ruleset: Ruleset) -> None:
    lines = _interview_lines(ruleset)
    for cut in range(len(lines)):  # input ends before the answer to question `cut`
        result = run_cli(["assess", "--json"], "".join(lines[:cut]), tty=True, environ=PLAIN)
        assert result.status == 130, (cut, result.stderr[-300:])
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        assert result.stderr.endswith("\n" + STOPPED + "\n"), (cut, result.stderr[-300:])
        assert result.stderr.count("insertadvisor:") == 1


def test_end_of_input_without_json_stops_cleanly_too() -> None:
    result = run_cli(["assess"], "1\n", tty=True, environ=PLAIN)
    assert (result.status, result.stdout) == (130, "")
    assert result.stderr.splitlines()[-1] == STOPPED


def test_end_of_input_in_checkin_stops_cleanly() -> None:
    result = run_cli(["checkin", "--json"], "", tty=True, environ=PLAIN)
    assert (result.status, result.stdout) == (130, "")
    assert result.stderr.splitlines()[-1] == STOPPED


def test_given_answers_are_not_asked_again(ruleset: Ruleset) -> None:
    result = ask("unknown\n3\n" + all_no(ruleset) + SKIP_OPTIONAL, "--arch", "high",
                 "--overpronation", "yes", "--age", "30")
    assert result.status == 0, result.stderr
    assert question(ruleset, "arch").prompt not in result.stderr
    assert question(ruleset, "overpronation").prompt not in result.stderr
    assert question(ruleset, "age").prompt not in result.stderr
    answers = json.loads(result.stdout)["answers"]
    assert (answers["arch"], answers["age"], answers["pain_weeks"]) == ("high", 30, 3)


def test_a_given_symptom_answers_only_its_own_question(ruleset: Ruleset) -> None:
    """A flag answers the question it names; every other warning sign is still asked."""
    items = symptom_items(ruleset)
    result = ask(CORE + "n\n" * (len(items) - 1) + SKIP_OPTIONAL, "--symptom", "foot_pain")
    assert result.status == 0, result.stderr
    assert result.stderr.count(YES_NO) == len(items) - 1
    foot_pain = next(i for i in items if i.id == "foot_pain")
    assert " ".join(foot_pain.prompt.split()) not in unwrapped(result.stderr)
    assert json.loads(result.stdout)["answers"]["symptoms"] == ["foot_pain"]


def test_symptoms_from_a_file_are_all_answered(ruleset: Ruleset, tmp_path: Any) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"symptoms": []}')
    result = ask(CORE + SKIP_OPTIONAL, "--answers", str(path))
    assert result.status == 0, result.stderr
    assert YES_NO not in result.stderr


def test_no_input_never_prompts_even_on_a_terminal() -> None:
    result = run_cli(["assess", "--no-input", "--json"], CORE, tty=True, environ=PLAIN)
    assert result.status == 2
    assert "Choose" not in result.stderr
    assert result.stderr.startswith("insertadvisor: error: missing answers")


def test_answers_from_stdin_are_not_mixed_with_prompts() -> None:
    result = run_cli(["assess", "--answers", "-", "--json"],
                     '{"arch": "flat", "overpronation": "no", "leg_length_diff_mm": null, '
                     '"pain_weeks": 2}', tty=True, environ=PLAIN)
    assert result.status == 0, result.stderr
    assert result.stderr == ""


def test_no_prompts_when_stdin_is_not_a_terminal() -> None:
    result = run_cli(["assess", "--json"], CORE, tty=False, environ=PLAIN)
    assert result.status == 2
    assert "Choose" not in result.stderr


def test_checkin_asks_too() -> None:
    effects = "n\ny\n" + "n\n" * 6  # increased_pain is the second effect
    result = run_cli(["checkin", "--json"], "3\n" + effects, tty=True, environ=PLAIN)
    assert result.status == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["answers"]["weeks_wearing"] == 3
    assert data["stop_wearing"] is True
    assert "EMERGENCY" not in result.stderr


def test_prompts_wrap_to_the_terminal_width(ruleset: Ruleset) -> None:
    result = ask(CORE + all_no(ruleset) + SKIP_OPTIONAL, environ={"NO_COLOR": "1",
                                                                 "COLUMNS": "60"})
    assert result.status == 0
    # nothing echoes the typed answers here: end each prompt's line where Enter would
    screen = re.sub(r"(\[y/n\]: |\[y/N\]: |Choose 1-\d: |Answer(?: \(\w+\))?: )", r"\1\n",
                    result.stderr)
    assert screen.count("\n") > result.stderr.count("\n") + 20
    for line in screen.splitlines():
        assert len(line.rstrip()) <= 60, line


def test_prompts_are_plain_under_no_color(ruleset: Ruleset) -> None:
    plain = ask(CORE + all_no(ruleset) + SKIP_OPTIONAL)
    assert "\x1b[" not in plain.stderr
    coloured = ask(CORE + all_no(ruleset) + SKIP_OPTIONAL, environ={"NO_COLOR": "",
                                                                    "TERM": "xterm"})
    assert "\x1b[" in coloured.stderr
    assert ANSI.sub("", coloured.stderr) == plain.stderr
